import { Broadcast } from "../../../../runtime/cache/broadcast.ts";
import type { RequestRecord } from "../request-record.ts";
import { ClientDisconnected, UpstreamAbort, upstreamFailure } from "../upstream/call.ts";

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
 * when every request has left, not when one does. A flight with no upstream call serves a
 * stored answer through the same path.
 */
export class Flight<T> {
  readonly items: Broadcast<T>;
  /** Credentials obtained during the call, for the records of every request in it. */
  readonly #secrets: string[] = [];
  readonly #records = new Set<RequestRecord>();

  private constructor(abort: UpstreamAbort | null) {
    this.items = new Broadcast<T>(() => abort?.abort(new ClientDisconnected()));
  }

  /** Starts the upstream call; the caller must subscribe before its next `await`. */
  static call<T>(upstream: UpstreamItems<T>, settings: FlightSettings): Flight<T> {
    // The call has no client signal of its own; it ends when the last subscriber leaves.
    const abort = new UpstreamAbort(new AbortController().signal, settings.timeoutMs,
      settings.providerId);
    const flight = new Flight<T>(abort);
    flight.addRecord(settings.record);
    void flight.#run(upstream, abort, settings.providerId);
    return flight;
  }

  /** A finished flight over stored items. */
  static replay<T>(items: readonly T[]): Flight<T> {
    const flight = new Flight<T>(null);
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

  /** Lets a joining request's record redact credentials obtained during the call. */
  addRecord(record: RequestRecord): void {
    this.#records.add(record);
    for (const secret of this.#secrets) record.addSecret(secret);
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
