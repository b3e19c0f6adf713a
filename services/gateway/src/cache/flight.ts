import { Broadcast } from "../../../../runtime/cache/broadcast.ts";
import type { RequestRecord } from "../request-record.ts";
import { ClientDisconnected, UpstreamAbort, upstreamFailure } from "../upstream/call.ts";
import { FlightBilling } from "./flight-billing.ts";

/**
 * An upstream call as the cache runs it: it sends the request under `abort` and yields the
 * decoded answer, one item for JSON or the stream's items in order, and throws the
 * client-facing error on failure. Credentials it obtains go to `addSecret`. The cache wraps
 * whatever call the route makes, so a routed call plugs in here unchanged.
 */
export type UpstreamItems<T> = (
  abort: UpstreamAbort,
  addSecret: (value: string) => void,
) => AsyncIterable<T>;

/** The deadline and provider of a flight's upstream call, and the record that started it. */
export interface FlightSettings {
  providerId: string;
  timeoutMs: number;
  record: RequestRecord;
}

/**
 * One upstream call shared by every request that joins it. Its items are the decoded,
 * unchecked answer (one item for JSON, the items of a stream). The call is aborted only
 * when every request has left, not when one does, and exactly one request pays for it
 * (see `FlightBilling`). A flight with no upstream call serves a stored answer through the
 * same path.
 */
export class Flight<T> {
  readonly items: Broadcast<T>;
  /** Credentials obtained during the call, for the records of every request in it. */
  readonly #secrets: string[] = [];
  readonly #records = new Set<RequestRecord>();
  readonly #billing: FlightBilling;
  /** True once the items are another node's stored answer rather than this node's call. */
  #stored = false;

  private constructor(onAbandon: () => void, payer: RequestRecord | null) {
    this.items = new Broadcast<T>(onAbandon);
    this.#billing = new FlightBilling(payer);
  }

  /** Starts the upstream call; the caller must subscribe before its next `await`. */
  static call<T>(upstream: UpstreamItems<T>, settings: FlightSettings): Flight<T> {
    // The call has no client signal of its own; it ends when the last subscriber leaves.
    const abort = upstreamAbortOf(settings);
    const flight = new Flight<T>(() => abort.abort(new ClientDisconnected()), settings.record);
    flight.#addRecord(settings.record);
    void flight.#run(upstream, abort, settings.providerId);
    return flight;
  }

  /**
   * Like `call`, once `turn` settles: items it returns (another node's stored answer) replace
   * the call, and null starts it. The call's deadline starts after the turn, so a wait for
   * another node does not count against the provider's timeout. `turn` gets a signal that
   * aborts when every request has left, and must not throw.
   */
  static afterTurn<T>(
    upstream: UpstreamItems<T>,
    settings: FlightSettings,
    turn: (signal: AbortSignal) => Promise<readonly T[] | null>,
  ): Flight<T> {
    const waiting = new AbortController();
    let abort: UpstreamAbort | null = null;
    const flight = new Flight<T>(() => {
      waiting.abort(new ClientDisconnected());
      abort?.abort(new ClientDisconnected());
    }, settings.record);
    flight.#addRecord(settings.record);
    void (async () => {
      const stored = await turn(waiting.signal);
      if (waiting.signal.aborted) {
        flight.items.fail(new ClientDisconnected());
      } else if (stored !== null) {
        flight.#serveStored();
        for (const item of stored) flight.items.push(item);
        flight.items.end();
      } else {
        abort = upstreamAbortOf(settings);
        await flight.#run(upstream, abort, settings.providerId);
      }
    })();
    return flight;
  }

  /** A finished flight over stored items. */
  static replay<T>(items: readonly T[]): Flight<T> {
    const flight = new Flight<T>(() => {}, null);
    for (const item of items) flight.items.push(item);
    flight.items.end();
    return flight;
  }

  get abandoned(): boolean {
    return this.items.abandoned;
  }

  get state(): "open" | "ended" | "failed" {
    return this.items.state;
  }

  /** Resolves once the call ended or failed, even when no request follows it any more. */
  get settled(): Promise<void> {
    return this.items.settled;
  }

  /** Adds a request that joined the call; it shares the call's credentials and billing. */
  join(record: RequestRecord): void {
    this.#addRecord(record);
    this.#billing.join(record);
    if (this.#stored) markStored(record);
  }

  /**
   * Notes that a request is no longer served, before its event is written. `complete` is
   * true when it got the whole answer. When it did not and the call itself has not failed,
   * the charge for the call passes to a request still waiting (see `FlightBilling`).
   */
  leave(record: RequestRecord, complete: boolean): void {
    this.#billing.leave(record, !complete && this.state !== "failed");
  }

  /** Lets a request's record redact credentials obtained during the call. */
  #addRecord(record: RequestRecord): void {
    this.#records.add(record);
    for (const secret of this.#secrets) record.addSecret(secret);
  }

  /** Marks every request as served another node's stored answer, which no request pays for. */
  #serveStored(): void {
    this.#stored = true;
    this.#billing.cancel();
    for (const record of this.#records) markStored(record);
  }

  async #run(upstream: UpstreamItems<T>, abort: UpstreamAbort, providerId: string) {
    try {
      for await (const item of upstream(abort, (value) => this.#addSecret(value))) {
        abort.clearDeadline();
        this.items.push(item);
      }
      this.items.end();
    } catch (error) {
      abort.clearDeadline();
      this.items.fail(upstreamFailure(error, abort, providerId));
    }
  }

  #addSecret(value: string): void {
    this.#secrets.push(value);
    for (const record of this.#records) record.addSecret(value);
  }
}

/** Labels a request served another node's stored answer a hit, since it came from the store. */
function markStored(record: RequestRecord): void {
  record.addDetail("cache", "hit");
  record.addDetail("cache_coalesced", "remote");
}

function upstreamAbortOf(settings: FlightSettings): UpstreamAbort {
  return new UpstreamAbort(new AbortController().signal, settings.timeoutMs, settings.providerId);
}
