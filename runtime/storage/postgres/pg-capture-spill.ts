import { randomUUID } from "node:crypto";
import type { Sql } from "postgres";
import type { SpillSink, SpillTarget } from "../../audit/capture-writer.ts";
import type { BodyPart } from "../../audit/spill-store.ts";

/**
 * Spills captured bodies into `capture_spill_chunks`, so any node or CLI can read them. The
 * capture writer is synchronous and PostgreSQL is not: each spill sends its chunks in order,
 * one INSERT per burst of writes (the writer's 64 KiB flush), without blocking the request.
 */
export class PgSpillTarget implements SpillTarget {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  create(requestId: string, part: BodyPart): SpillSink {
    return new PgSpill(this.#sql, requestId, `${part}-${randomUUID()}`);
  }
}

/**
 * One spill being written. A failed INSERT makes the next `write` or `commit` throw, so the
 * capture drops the body and logs it.
 * NOTE: the event is not held back until the last chunk is stored. An INSERT that fails after
 * `commit` leaves the spill short, and `events show` reports it as a size mismatch.
 * While PostgreSQL is slower than the stream, the chunks not yet stored wait in memory.
 */
class PgSpill implements SpillSink {
  readonly #sql: Sql;
  readonly #requestId: string;
  readonly #name: string;
  /** Bytes written since the last INSERT was scheduled. */
  #buffered: Uint8Array[] = [];
  #seq = 0;
  /** The INSERTs so far, chained so that chunks are stored in order. */
  #sent: Promise<void> = Promise.resolve();
  #failure: Error | null = null;
  #closed = false;

  constructor(sql: Sql, requestId: string, name: string) {
    this.#sql = sql;
    this.#requestId = requestId;
    this.#name = name;
  }

  write(bytes: Uint8Array): void {
    this.#check();
    // The writer flushes its chunk in several synchronous calls: one INSERT takes them all.
    if (this.#buffered.length === 0) queueMicrotask(() => this.#send());
    this.#buffered.push(bytes);
  }

  commit(): string {
    this.#check();
    this.#closed = true;
    return this.#name;
  }

  discard(): void {
    this.#closed = true;
    this.#buffered = [];
    const sql = this.#sql;
    this.#sent = this.#sent
      .then(() => sql`DELETE FROM capture_spill_chunks WHERE spill = ${this.#name}`)
      .then(() => undefined, () => undefined);
  }

  #check(): void {
    if (this.#failure !== null) throw this.#failure;
    if (this.#closed) throw new Error(`spill ${this.#name} is closed`);
  }

  #send(): void {
    if (this.#buffered.length === 0) return;
    const bytes = new Uint8Array(Buffer.concat(this.#buffered));
    this.#buffered = [];
    const seq = this.#seq++;
    const sql = this.#sql;
    this.#sent = this.#sent.then(async () => {
      if (this.#failure !== null) return;
      try {
        await sql`
          INSERT INTO capture_spill_chunks (spill, seq, request_id, time, bytes)
          VALUES (${this.#name}, ${seq}, ${this.#requestId}, ${Date.now()}, ${bytes})`;
      } catch (error) {
        this.#failure = error as Error;
      }
    });
  }
}
