import {
  appendFileSync, closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync,
  renameSync, rmSync, statSync,
} from "node:fs";
import { join } from "node:path";

/** One bus message that could not be published, as kept on disk until the next boot. */
export interface SpilledMessage {
  requestId: string;
  /** `Nats-Msg-Id` of the message: JetStream drops a republish of a message it already has. */
  msgID: string;
  subject: string;
  data: Uint8Array;
}

/** Messages taken from disk at boot; `done` deletes their file once they are handled. */
export interface SpilledBatch {
  messages: SpilledMessage[];
  /** Lines that could not be parsed (a torn last write); they are dropped. */
  corrupt: number;
  done(): void;
}

const LIVE_FILE = "unpublished.jsonl";
const REPLAY_SUFFIX = ".replay";

/** Bytes the folder may hold when the config sets no `storage.nats.spillMaxBytes`: 1 GiB. */
export const DEFAULT_SPILL_MAX_BYTES = 1024 ** 3;

export interface SpillFileOptions {
  /** Bytes of spilled messages the folder may hold, waiting and replaying files together. */
  maxBytes?: number;
}

/** Raised by `append` when the messages would take the folder past its `maxBytes`. */
export class SpillFullError extends Error {
  readonly code = "bus_spill_full";

  constructor(readonly dir: string, used: number, adding: number, maxBytes: number) {
    super(`spill folder ${dir} is full: it holds ${used} bytes, the messages need ${adding} ` +
      `more and storage.nats.spillMaxBytes is ${maxBytes}`);
    this.name = "SpillFullError";
  }
}

/**
 * A folder of bus messages that a node could not publish before it stopped (NATS down at
 * close, or the memory queue full). Each message is one JSON line, synced to disk before
 * `append` returns. At the next boot `take` hands them back for republishing under the same
 * message id, so JetStream drops any that did arrive within its duplicate window. The folder
 * contains at most `maxBytes`. Past that, `append` raises SpillFullError and writes nothing.
 * NOTE: nothing locks the folder, so two gateways must not share one data folder.
 */
export class SpillFile {
  readonly #dir: string;
  readonly #maxBytes: number;

  constructor(dir: string, options: SpillFileOptions = {}) {
    this.#dir = dir;
    this.#maxBytes = options.maxBytes ?? DEFAULT_SPILL_MAX_BYTES;
    // Spilled events hold key ids and error texts: owner-only, like the event store.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /**
   * Writes the messages to the live file and syncs it. Raises SpillFullError, writing none of
   * them, when they would take the folder past `maxBytes`.
   */
  append(messages: readonly SpilledMessage[]): void {
    if (messages.length === 0) return;
    const lines = messages.map((message) => JSON.stringify({
      requestId: message.requestId,
      msgID: message.msgID,
      subject: message.subject,
      data: Buffer.from(message.data).toString("base64"),
    }) + "\n").join("");
    const adding = Buffer.byteLength(lines);
    const used = this.usedBytes();
    if (used + adding > this.#maxBytes) {
      throw new SpillFullError(this.#dir, used, adding, this.#maxBytes);
    }

    const path = join(this.#dir, LIVE_FILE);
    appendFileSync(path, lines, { mode: 0o600 });
    const fd = openSync(path, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Returns the bytes of the live file and of the files still waiting for their republish.
   * It reads the folder on each call: spills happen only while NATS is failing, so a cached
   * count would save little and could drift from what is on disk.
   */
  usedBytes(): number {
    let total = 0;
    for (const name of readdirSync(this.#dir)) {
      if (name !== LIVE_FILE && !name.endsWith(REPLAY_SUFFIX)) continue;
      try {
        total += statSync(join(this.#dir, name)).size;
      } catch (error) {
        // A replay file deleted by `done` between the listing and the stat counts as empty.
        if ((error as { code?: unknown }).code !== "ENOENT") throw error;
      }
    }
    return total;
  }

  /**
   * Moves every spilled message out of the live file and returns them. Their file stays on
   * disk until `done`, so a crash before the republish finds them again at the next boot.
   */
  take(): SpilledBatch {
    const live = join(this.#dir, LIVE_FILE);
    try {
      renameSync(live, join(this.#dir, `${Date.now()}-${process.pid}${REPLAY_SUFFIX}`));
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ENOENT") throw error;
    }
    const files = readdirSync(this.#dir).filter((name) => name.endsWith(REPLAY_SUFFIX))
      .map((name) => join(this.#dir, name));
    const messages: SpilledMessage[] = [];
    let corrupt = 0;
    for (const file of files) {
      for (const line of readFileSync(file, "utf8").split("\n")) {
        if (line === "") continue;
        const message = parseLine(line);
        if (message === null) corrupt += 1;
        else messages.push(message);
      }
    }
    return {
      messages,
      corrupt,
      done: () => {
        for (const file of files) rmSync(file, { force: true });
      },
    };
  }
}

function parseLine(line: string): SpilledMessage | null {
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    const { requestId, msgID, subject, data } = record;
    if (typeof requestId !== "string" || typeof msgID !== "string" ||
      typeof subject !== "string" || typeof data !== "string") return null;
    return { requestId, msgID, subject, data: new Uint8Array(Buffer.from(data, "base64")) };
  } catch {
    return null;
  }
}
