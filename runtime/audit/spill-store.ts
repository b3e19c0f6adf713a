import { createHash, randomUUID } from "node:crypto";
import {
  closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync,
} from "node:fs";
import { join, resolve, sep } from "node:path";

/** Request ids that are used in file names as they are; anything else is hashed. */
const PLAIN_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** Names the store ever creates: a plain or hashed id, the body part, and `.body` or `.tmp`. */
const SPILL_NAME = /^[A-Za-z0-9_-]{1,160}\.(request|response)(\.[0-9a-f-]{36}\.tmp|\.body)$/;

export type BodyPart = "request" | "response";

/**
 * A spill file being written. Bytes go to a temporary file in the spill folder; `commit`
 * renames it to its final name, so a reader never sees a half-written file.
 */
export class SpillFile {
  readonly name: string;
  readonly #store: SpillStore;
  readonly #tempName: string;
  #fd: number | null;

  constructor(store: SpillStore, name: string) {
    this.#store = store;
    this.name = name;
    this.#tempName = name.replace(/\.body$/, `.${randomUUID()}.tmp`);
    this.#fd = openSync(store.pathOf(this.#tempName), "wx", 0o600);
  }

  write(bytes: Uint8Array): void {
    if (this.#fd === null) throw new Error(`spill file ${this.name} is closed`);
    let offset = 0;
    while (offset < bytes.byteLength) {
      offset += writeSync(this.#fd, bytes, offset, bytes.byteLength - offset);
    }
  }

  /** Flushes the file to disk and gives it its final name; returns that name. */
  commit(): string {
    if (this.#fd === null) throw new Error(`spill file ${this.name} is closed`);
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#fd = null;
    renameSync(this.#store.pathOf(this.#tempName), this.#store.pathOf(this.name));
    return this.name;
  }

  /** Closes and deletes the temporary file; does nothing after `commit`. */
  discard(): void {
    if (this.#fd === null) return;
    closeSync(this.#fd);
    this.#fd = null;
    rmSync(this.#store.pathOf(this.#tempName), { force: true });
  }
}

/**
 * Files under one folder that hold the part of a captured body past the inline limit. Files are
 * named by request id and body part. Every path is built from a name that matches SPILL_NAME
 * and is checked to stay inside the folder, so neither a request id nor a tampered event row
 * can point outside it.
 */
export class SpillStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Returns the file name for a request's body part. */
  static nameFor(requestId: string, part: BodyPart): string {
    const id = PLAIN_ID.test(requestId)
      ? requestId
      : `id-${createHash("sha256").update(requestId).digest("hex")}`;
    return `${id}.${part}.body`;
  }

  /** Starts a spill file for a request's body part, creating the folder when missing. */
  create(requestId: string, part: BodyPart): SpillFile {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    return new SpillFile(this, SpillStore.nameFor(requestId, part));
  }

  /** Returns the absolute path of a spill file name; throws for a name the store never makes. */
  pathOf(name: string): string {
    if (!SPILL_NAME.test(name)) throw new Error(`invalid spill file name: ${JSON.stringify(name)}`);
    const path = resolve(this.dir, name);
    if (!path.startsWith(this.dir + sep)) throw new Error(`spill path escapes ${this.dir}`);
    return path;
  }

  /** Opens a committed spill file for reading. */
  read(name: string): ReturnType<typeof Bun.file> {
    return Bun.file(this.pathOf(name));
  }

  /** Deletes a spill file; returns false when it was already gone. */
  remove(name: string): boolean {
    const path = this.pathOf(name);
    try {
      rmSync(path);
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") return false;
      throw error;
    }
  }

  /**
   * Deletes spill and temporary files last modified before `cutoff` (epoch ms): files whose
   * event was never written, or left behind by a crash. Returns how many were deleted.
   */
  sweep(cutoff: number): number {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") return 0;
      throw error;
    }

    let deleted = 0;
    for (const name of names) {
      if (!SPILL_NAME.test(name)) continue;
      const path = join(this.dir, name);
      try {
        if (statSync(path).mtimeMs >= cutoff) continue;
        rmSync(path);
        deleted += 1;
      } catch (error) {
        // Deleted meanwhile by another pruner; nothing left to do.
        if ((error as { code?: unknown }).code !== "ENOENT") throw error;
      }
    }
    return deleted;
  }
}
