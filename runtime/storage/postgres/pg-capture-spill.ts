import { randomUUID } from "node:crypto";
import type { Sql } from "postgres";
import type { SpillSink, SpillTarget } from "../../audit/capture-writer.ts";
import type { BodyPart } from "../../audit/spill-store.ts";
import { createLogger, type Logger } from "../../observability/log.ts";

/** How long `drain` waits for the spills' INSERTs by default, in ms. */
const DRAIN_TIMEOUT_MS = 5_000;
/** Maximum number of request ids in the log line of a drain that timed out. */
const MAX_LOGGED_REQUEST_IDS = 20;

/**
 * Spills captured bodies into `capture_spill_chunks`, so any node or CLI can read them. The
 * capture writer is synchronous and PostgreSQL is not: each spill sends its chunks in order,
 * one INSERT per burst of writes (the writer's 64 KiB flush), without blocking the request.
 * The target keeps every spill until its last INSERT finished, so a stop can wait for them
 * with `drain` before the client closes.
 */
export class PgSpillTarget implements SpillTarget {
  readonly #sql: Sql;
  /** Spills still open, or ended with INSERTs or a DELETE not yet finished. */
  readonly #unsettled = new Set<PgSpill>();

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  create(requestId: string, part: BodyPart): SpillSink {
    const spill = new PgSpill(this.#sql, requestId, `${part}-${randomUUID()}`,
      (ended) => this.#unsettled.delete(ended));
    this.#unsettled.add(spill);
    return spill;
  }

  /** Spills whose INSERTs or DELETE have not all finished. */
  get unsettled(): number {
    return this.#unsettled.size;
  }

  /**
   * Waits until the INSERTs of every spill so far have finished, or `timeoutMs` passed. Call
   * it once requests stopped and before the SQL client closes: a chunk whose INSERT was not
   * sent by then is lost, and `events show` reports its body's size as wrong. Spills still
   * unfinished at the timeout are logged with their request ids as
   * `capture.spill_drain_timed_out`. Never rejects.
   */
  async drain(options: { logger?: Logger; timeoutMs?: number } = {}): Promise<void> {
    const spills = [...this.#unsettled];
    if (spills.length === 0) return;
    const pending = new Set(spills);
    const settled = Promise.all(spills.map(async (spill) => {
      await spill.settled();
      pending.delete(spill);
    }));

    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.timeoutMs ?? DRAIN_TIMEOUT_MS);
    });
    await Promise.race([settled, timeout]);
    clearTimeout(timer);
    if (pending.size === 0) return;

    const requestIds = [...new Set([...pending].map((spill) => spill.requestId))];
    (options.logger ?? createLogger()).log("warn", "capture.spill_drain_timed_out", {
      spills: pending.size,
      request_ids: requestIds.slice(0, MAX_LOGGED_REQUEST_IDS).join(","),
      timeout_ms: options.timeoutMs ?? DRAIN_TIMEOUT_MS,
    });
  }
}

/**
 * One spill being written. A failed INSERT makes the next `write` or `commit` throw, so the
 * capture drops the body and logs it.
 * NOTE: the event is not held back until the last chunk is stored, because the audit sink's
 * `write` and `RequestRecord.finish` are synchronous. An INSERT that fails after `commit`
 * leaves the spill short, unlogged, and `events show` reports it as a size mismatch. A stop
 * waits for the INSERTs in `PgSpillTarget.drain`, up to its timeout.
 * While PostgreSQL is slower than the stream, the chunks not yet stored wait in memory.
 */
class PgSpill implements SpillSink {
  readonly #sql: Sql;
  readonly requestId: string;
  readonly #name: string;
  /** Called once the spill ended and its last statement finished. */
  readonly #onSettled: (spill: PgSpill) => void;
  /** Bytes written since the last INSERT was scheduled. */
  #buffered: Uint8Array[] = [];
  #seq = 0;
  /** The INSERTs so far and a discard's DELETE, chained so that chunks are stored in order. */
  #sent: Promise<void> = Promise.resolve();
  #failure: Error | null = null;
  #closed = false;

  constructor(sql: Sql, requestId: string, name: string,
    onSettled: (spill: PgSpill) => void) {
    this.#sql = sql;
    this.requestId = requestId;
    this.#name = name;
    this.#onSettled = onSettled;
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
    this.#untrackWhenSettled();
    return this.#name;
  }

  discard(): void {
    this.#closed = true;
    this.#buffered = [];
    const sql = this.#sql;
    this.#sent = this.#sent
      .then(() => sql`DELETE FROM capture_spill_chunks WHERE spill = ${this.#name}`)
      .then(() => undefined, () => undefined);
    this.#untrackWhenSettled();
  }

  /**
   * Resolves once every statement scheduled so far has finished, sending the bytes still
   * buffered at once. Never rejects: a failed INSERT is kept in `#failure`.
   */
  async settled(): Promise<void> {
    this.#send();
    while (true) {
      const sent = this.#sent;
      await sent;
      // A spill still open may get writes while this waits, and they chain more INSERTs.
      if (sent === this.#sent && this.#buffered.length === 0) return;
      this.#send();
    }
  }

  #untrackWhenSettled(): void {
    void this.settled().then(() => this.#onSettled(this));
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
          VALUES (${this.#name}, ${seq}, ${this.requestId}, ${Date.now()}, ${bytes})`;
      } catch (error) {
        this.#failure = error as Error;
      }
    });
  }
}
