import {
  closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync,
  readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync,
} from "node:fs";
import { join } from "node:path";
import type { SiemRecord } from "./record.ts";

export type FsyncPolicy = "always" | "interval" | "never";

export interface DiskQueueOptions {
  /** Maximum bytes of unread records; appends past it are dropped. */
  maxBytes: number;
  /** Size at which appends move on to a new segment file. */
  segmentBytes: number;
  fsync: FsyncPolicy;
}

/** A place in the queue: a segment number and a byte offset into that segment. */
export interface QueuePosition {
  segment: number;
  offset: number;
}

/** Records read from the cursor on, not yet consumed. */
export interface QueueBatch {
  records: SiemRecord[];
  /** Lines that could not be parsed; they are consumed with the batch. */
  corrupt: number;
  next: QueuePosition;
}

export interface AppendResult {
  accepted: number;
  dropped: number;
}

const SEGMENT_SUFFIX = ".seg";
const CURSOR_FILE = "cursor.json";
/** How much of a segment one read takes; a longer record is read whole. */
const READ_CHUNK_BYTES = 1024 * 1024;
const FSYNC_INTERVAL_MS = 1000;
const NEWLINE = 0x0a;

/**
 * A bounded, append-only queue of records on disk: one JSON line per record in numbered
 * segment files, and a cursor file with the position of the first unsent record. Segments
 * wholly before the cursor are deleted. The bound counts unread bytes, so the folder can hold
 * up to one segment more than `maxBytes`.
 * NOTE: nothing locks the folder, so two gateways must not share one data folder.
 */
export class DiskQueue {
  readonly #dir: string;
  readonly #options: DiskQueueOptions;
  readonly #sizes = new Map<number, number>();
  #cursor: QueuePosition;
  #active: number;
  #fd: number;
  #pendingRecords = 0;
  #dirty = false;
  #fsyncTimer: ReturnType<typeof setInterval> | null = null;
  /** Bytes cut from a torn last line at open, left by a crash in the middle of a write. */
  readonly tornBytes: number;

  constructor(dir: string, options: DiskQueueOptions) {
    this.#dir = dir;
    this.#options = options;
    // Queued records hold key ids, addresses and error texts: owner-only, like the store.
    mkdirSync(dir, { recursive: true, mode: 0o700 });

    const segments = this.#listSegments();
    this.#cursor = this.#readCursor(segments[0] ?? 1);
    for (const segment of segments) {
      if (segment < this.#cursor.segment) rmSync(this.#segmentPath(segment), { force: true });
      else this.#sizes.set(segment, statSync(this.#segmentPath(segment)).size);
    }
    this.#active = Math.max(this.#cursor.segment, ...this.#sizes.keys());
    this.#fd = openSync(this.#segmentPath(this.#active), "a+", 0o600);
    this.#sizes.set(this.#active, fstatSync(this.#fd).size);

    this.tornBytes = this.#repairTail();
    const cursorSize = this.#sizes.get(this.#cursor.segment) ?? 0;
    if (this.#cursor.offset > cursorSize) this.#cursor.offset = cursorSize;
    this.#pendingRecords = this.#countUnread();

    if (options.fsync === "interval") {
      this.#fsyncTimer = setInterval(() => this.#syncIfDirty(), FSYNC_INTERVAL_MS);
      this.#fsyncTimer.unref();
    }
  }

  get pendingRecords(): number {
    return this.#pendingRecords;
  }

  get pendingBytes(): number {
    let total = -this.#cursor.offset;
    for (const [segment, size] of this.#sizes) if (segment >= this.#cursor.segment) total += size;
    return total;
  }

  /** Appends records in order; those that would pass `maxBytes` are dropped, not written. */
  append(records: readonly SiemRecord[]): AppendResult {
    let pendingBytes = this.pendingBytes;
    let accepted = 0;
    const lines: Buffer[] = [];
    let chunkBytes = 0;

    for (const record of records) {
      const line = Buffer.from(`${JSON.stringify(record)}\n`, "utf8");
      if (pendingBytes + line.length > this.#options.maxBytes) continue;
      const activeSize = (this.#sizes.get(this.#active) ?? 0) + chunkBytes;
      if (activeSize > 0 && activeSize + line.length > this.#options.segmentBytes) {
        this.#write(lines.splice(0), chunkBytes);
        chunkBytes = 0;
        this.#roll();
      }
      lines.push(line);
      chunkBytes += line.length;
      pendingBytes += line.length;
      accepted += 1;
    }
    this.#write(lines, chunkBytes);
    this.#pendingRecords += accepted;
    if (this.#options.fsync === "always" && accepted > 0) this.#syncIfDirty();
    return { accepted, dropped: records.length - accepted };
  }

  /** Reads up to `max` records from the cursor on, without consuming them. */
  peek(max: number): QueueBatch {
    const batch: QueueBatch = { records: [], corrupt: 0, next: { ...this.#cursor } };
    while (batch.records.length + batch.corrupt < max) {
      const { segment, offset } = batch.next;
      const size = this.#sizes.get(segment) ?? 0;
      if (offset >= size) {
        if (segment >= this.#active) break;
        batch.next = { segment: segment + 1, offset: 0 };
        continue;
      }
      const room = max - batch.records.length - batch.corrupt;
      const read = this.#readLines(segment, offset, size, room);
      // Sizes only ever cover whole lines, so a read that finds none means a damaged file.
      if (read.end === offset) break;
      batch.records.push(...read.records);
      batch.corrupt += read.corrupt;
      batch.next = { segment, offset: read.end };
    }
    return batch;
  }

  /** Consumes a batch returned by `peek`: moves the cursor past it, deleting spent segments. */
  commit(batch: QueueBatch): void {
    const { next } = batch;
    this.#cursor = { ...next };
    this.#pendingRecords -= batch.records.length + batch.corrupt;

    // Written to a temporary file and renamed, so a crash leaves the old cursor or the new one.
    // Spent segments go only after that, so a crash in between still finds the old cursor's data.
    const temporary = join(this.#dir, `${CURSOR_FILE}.tmp`);
    writeFileSync(temporary, JSON.stringify(this.#cursor), { mode: 0o600 });
    if (this.#options.fsync === "always") {
      const fd = openSync(temporary, "r");
      fsyncSync(fd);
      closeSync(fd);
    }
    renameSync(temporary, join(this.#dir, CURSOR_FILE));

    for (const segment of [...this.#sizes.keys()]) {
      if (segment >= next.segment) continue;
      this.#sizes.delete(segment);
      rmSync(this.#segmentPath(segment), { force: true });
    }
  }

  close(): void {
    if (this.#fsyncTimer !== null) clearInterval(this.#fsyncTimer);
    if (this.#options.fsync !== "never") this.#syncIfDirty();
    closeSync(this.#fd);
  }

  #write(lines: Buffer[], bytes: number): void {
    if (bytes === 0) return;
    writeSync(this.#fd, Buffer.concat(lines, bytes));
    this.#sizes.set(this.#active, (this.#sizes.get(this.#active) ?? 0) + bytes);
    this.#dirty = true;
  }

  #roll(): void {
    if (this.#options.fsync !== "never") this.#syncIfDirty();
    closeSync(this.#fd);
    this.#active += 1;
    this.#fd = openSync(this.#segmentPath(this.#active), "a+", 0o600);
    this.#sizes.set(this.#active, 0);
  }

  #syncIfDirty(): void {
    if (!this.#dirty) return;
    fsyncSync(this.#fd);
    this.#dirty = false;
  }

  #readLines(segment: number, offset: number, size: number, max: number) {
    const fd = openSync(this.#segmentPath(segment), "r");
    try {
      let buffer = readAt(fd, offset, Math.min(size - offset, READ_CHUNK_BYTES));
      if (!buffer.includes(NEWLINE)) buffer = readAt(fd, offset, size - offset);

      const records: SiemRecord[] = [];
      let corrupt = 0;
      let start = 0;
      while (records.length + corrupt < max) {
        const end = buffer.indexOf(NEWLINE, start);
        if (end === -1) break;
        const record = parseRecord(buffer.subarray(start, end));
        if (record === null) corrupt += 1;
        else records.push(record);
        start = end + 1;
      }
      return { records, corrupt, end: offset + start };
    } finally {
      closeSync(fd);
    }
  }

  /** Cuts a last line that has no newline, which only a crash in the middle of a write leaves. */
  #repairTail(): number {
    const size = this.#sizes.get(this.#active) ?? 0;
    if (size === 0) return 0;
    const tail = readAt(this.#fd, Math.max(0, size - READ_CHUNK_BYTES), Math.min(size,
      READ_CHUNK_BYTES));
    if (tail[tail.length - 1] === NEWLINE) return 0;
    const keep = size - tail.length + tail.lastIndexOf(NEWLINE) + 1;
    ftruncateSync(this.#fd, keep);
    this.#sizes.set(this.#active, keep);
    return size - keep;
  }

  #countUnread(): number {
    let count = 0;
    for (const [segment] of this.#sizes) {
      if (segment < this.#cursor.segment) continue;
      const data = readFileSync(this.#segmentPath(segment));
      const from = segment === this.#cursor.segment ? this.#cursor.offset : 0;
      for (let index = from; index < data.length; index += 1) {
        if (data[index] === NEWLINE) count += 1;
      }
    }
    return count;
  }

  #listSegments(): number[] {
    return readdirSync(this.#dir)
      .filter((name) => /^\d{12}\.seg$/.test(name))
      .map((name) => Number(name.slice(0, -SEGMENT_SUFFIX.length)))
      .sort((a, b) => a - b);
  }

  #readCursor(fallbackSegment: number): QueuePosition {
    const path = join(this.#dir, CURSOR_FILE);
    if (!existsSync(path)) return { segment: fallbackSegment, offset: 0 };
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<QueuePosition>;
    if (!Number.isInteger(parsed.segment) || !Number.isInteger(parsed.offset)) {
      throw new Error(`invalid SIEM queue cursor in ${path}; delete it to resend the queue`);
    }
    return { segment: parsed.segment as number, offset: parsed.offset as number };
  }

  #segmentPath(segment: number): string {
    return join(this.#dir, `${String(segment).padStart(12, "0")}${SEGMENT_SUFFIX}`);
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, read);
}

function parseRecord(line: Buffer): SiemRecord | null {
  try {
    const value = JSON.parse(line.toString("utf8")) as SiemRecord;
    return typeof value === "object" && value !== null && typeof value.kind === "string"
      ? value
      : null;
  } catch {
    return null;
  }
}
