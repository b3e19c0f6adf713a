import { createHash, type Hash } from "node:crypto";
import type { CapturedBody } from "./capture-record.ts";
import type { BodyPart } from "./spill-store.ts";

/** Bytes collected past the inline part before one write to the spill file. */
export const SPILL_CHUNK_BYTES = 64 * 1024;

/**
 * A spill being written: the spill folder's files (SpillStore) or PostgreSQL rows. `write`
 * throws once the spill is known to have failed.
 */
export interface SpillSink {
  write(bytes: Uint8Array): void;
  /** Ends the spill and returns the name the event's capture metadata stores. */
  commit(): string;
  /** Drops the spill and whatever it wrote. */
  discard(): void;
}

/** Destination of the bytes a capture writer spills past the inline part. */
export interface SpillTarget {
  create(requestId: string, part: BodyPart): SpillSink;
}

/** A finished capture: its metadata and the inline bytes that go into the event row. */
export interface FinishedBody {
  body: CapturedBody;
  inline: Uint8Array;
}

/**
 * Captures one body as it is produced. The first `maxInlineBytes` bytes stay in memory for the
 * event row. Everything past them is written to a spill file once SPILL_CHUNK_BYTES have
 * collected, so memory use is bounded by `maxInlineBytes + SPILL_CHUNK_BYTES` plus the size of
 * one `write`, whatever the body's length. The SHA-256 covers the whole body.
 */
export class CaptureWriter {
  readonly #spill: SpillTarget;
  readonly #requestId: string;
  readonly #part: BodyPart;
  readonly #contentType: string;
  readonly #contentEncoding: string | undefined;
  readonly #maxInlineBytes: number;
  /** Copies of the inline part, grown as bytes arrive rather than allocated at the maximum. */
  #inline: Uint8Array[] = [];
  readonly #hash: Hash = createHash("sha256");
  #inlineLength = 0;
  #pending: Uint8Array[] = [];
  #pendingLength = 0;
  #file: SpillSink | null = null;
  #size = 0;
  #done = false;

  constructor(options: {
    spill: SpillTarget;
    requestId: string;
    part: BodyPart;
    contentType: string;
    /** Content coding of the bytes written, recorded in the metadata. Omit it for none. */
    contentEncoding?: string;
    maxInlineBytes: number;
  }) {
    this.#spill = options.spill;
    this.#requestId = options.requestId;
    this.#part = options.part;
    this.#contentType = options.contentType;
    this.#contentEncoding = options.contentEncoding;
    this.#maxInlineBytes = options.maxInlineBytes;
  }

  /** Bytes in memory now: the inline part and the spill chunk not yet written. */
  get bufferedBytes(): number {
    return this.#inlineLength + this.#pendingLength;
  }

  get size(): number {
    return this.#size;
  }

  /** Appends bytes; throws when the spill file cannot be written. */
  write(bytes: Uint8Array): void {
    if (this.#done) throw new Error("capture writer is finished");
    this.#hash.update(bytes);
    this.#size += bytes.byteLength;

    // Parts are copied, because callers may reuse their buffer after the call.
    const inlined = Math.min(this.#maxInlineBytes - this.#inlineLength, bytes.byteLength);
    if (inlined > 0) {
      this.#inline.push(bytes.slice(0, inlined));
      this.#inlineLength += inlined;
    }
    if (inlined === bytes.byteLength) return;

    this.#pending.push(bytes.slice(inlined));
    this.#pendingLength += bytes.byteLength - inlined;
    if (this.#pendingLength >= SPILL_CHUNK_BYTES) this.#flush();
  }

  /**
   * Writes what is pending, commits the spill file and returns the body's metadata. `complete`
   * is false for a stream that ended early.
   */
  finish(complete: boolean): FinishedBody {
    if (this.#done) throw new Error("capture writer is finished");
    if (this.#pendingLength > 0) this.#flush();
    this.#done = true;
    const spill = this.#file?.commit() ?? null;
    return {
      body: {
        contentType: this.#contentType,
        size: this.#size,
        sha256: this.#hash.digest("hex"),
        inlineBytes: this.#inlineLength,
        spill,
        complete,
        ...(this.#contentEncoding === undefined ? {} : { contentEncoding: this.#contentEncoding }),
      },
      inline: new Uint8Array(Buffer.concat(this.#inline)),
    };
  }

  /** Drops the capture and deletes its temporary spill file. */
  discard(): void {
    this.#done = true;
    this.#pending = [];
    this.#pendingLength = 0;
    this.#file?.discard();
  }

  #flush(): void {
    this.#file ??= this.#spill.create(this.#requestId, this.#part);
    for (const chunk of this.#pending) this.#file.write(chunk);
    this.#pending = [];
    this.#pendingLength = 0;
  }
}
