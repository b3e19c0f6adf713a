import type { RequestRecord } from "../request-record.ts";

/**
 * Which request of a flight is charged for its upstream call. The provider bills the call
 * once, so one request pays: the one that started it. When that request leaves before it got
 * the whole answer while the call goes on for others, the earliest request still waiting
 * takes over (`cache_flight_taken_over_from`). Its event then records the usage of the whole
 * answer it relays, with its cost, and settles its own quota reservation. The leaver's event
 * keeps the usage of what it was sent, at no cost and with its reservation released
 * (`cache_flight_handed_over`), so the call is charged exactly once. Every other request in
 * the flight records its usage at no cost.
 * NOTE: a payer that leaves when no request waits keeps its estimate of what it was sent,
 * which is less than the provider bills when the call had already finished.
 */
export class FlightBilling {
  #payer: RequestRecord | null;
  /** Requests still served that do not pay, in the order they joined. */
  readonly #waiting: RequestRecord[] = [];

  constructor(payer: RequestRecord | null) {
    this.#payer = payer;
  }

  /** Adds a request that joined the call; it pays nothing unless the charge passes to it. */
  join(record: RequestRecord): void {
    if (record !== this.#payer) this.#waiting.push(record);
  }

  /** Stops charging anyone, because the flight serves a stored answer instead of a call. */
  cancel(): void {
    this.#payer = null;
  }

  /**
   * Removes a request that is no longer served. With `handOver` (it left before the whole
   * answer while the call goes on), a payer passes the charge to the earliest waiting request.
   * Call it before the request's event is written, so the event records who pays.
   */
  leave(record: RequestRecord, handOver: boolean): void {
    const at = this.#waiting.indexOf(record);
    if (at >= 0) {
      this.#waiting.splice(at, 1);
      return;
    }
    if (record !== this.#payer || !handOver) return;

    const heir = this.#waiting.shift();
    if (heir === undefined) return;
    this.#payer = heir;
    record.addDetail("cache_flight_handed_over", heir.requestId);
    heir.addDetail("cache_flight_taken_over_from", record.requestId);
  }
}
