import type { ValkeyClient } from "../storage/valkey/open-valkey.ts";
import type { QuotaAxis, QuotaWindow } from "./config-schema.ts";
import type {
  QuotaAlert,
  QuotaAmounts,
  QuotaCharge,
  QuotaCounter,
  QuotaStore,
  QuotaUnit,
  ReserveResult,
} from "./quota-store.ts";
import {
  bucketRows,
  counterArgs,
  distinctCounters,
  exceededOf,
  indexOf,
  rowsOf,
  softChecks,
} from "./valkey-quota-args.ts";
import { RELEASE, RESERVE, SETTLE } from "./valkey-quota-scripts.ts";
import { bucketStart, oldestBucketInWindow, WINDOW_MS } from "./windows.ts";

export interface ValkeyQuotaOptions {
  /** Starts every key, so that deployments and tests sharing a server stay apart. */
  prefix?: string;
  /**
   * How long a reservation holds its estimate without a settle or release, in ms. After it,
   * the next reserve on any node takes the estimate back, so a crashed node frees its budget.
   * A settle that comes later still charges the real spend. Default 15 minutes, longer than
   * any upstream timeout.
   */
  reservationLeaseMs?: number;
  /** Soft-limit alerts kept for `alerts`; older ones are dropped. Default 10 000. */
  alertsKept?: number;
}

/** A reservation as this node keeps it. The server stores the buckets of its estimate. */
interface Reservation {
  charges: QuotaCharge[];
  counters: QuotaCounter[];
}

const UNIT_FIELD: Record<QuotaUnit, string> = { tokens: "t", usd: "u" };

/**
 * Quota counters in Valkey, shared by every gateway node. `reserve` and `settle` are each one
 * Lua script, so a check and its add, or a soft-limit check and its alert, never interleave
 * with another node's. Counters use the embedded store's sliding windows: buckets of 1/60 of
 * the window, summed over every bucket that overlaps it. A counter key expires one window
 * after its last spend, so memory follows the active counters.
 *
 * NOTE: every key carries the hash tag `{quota}` so that one script may touch all counters of
 * a request. On a Valkey cluster all quota keys therefore live on one shard.
 */
export class ValkeyQuotaStore implements QuotaStore {
  readonly #client: ValkeyClient;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #alertsKept: number;
  readonly #reservations = new Map<string, Reservation>();

  constructor(client: ValkeyClient, options: ValkeyQuotaOptions = {}) {
    this.#client = client;
    this.#prefix = `${options.prefix ?? "nexus:"}{quota}:`;
    this.#leaseMs = options.reservationLeaseMs ?? 15 * 60_000;
    this.#alertsKept = options.alertsKept ?? 10_000;
  }

  async reserve(charges: QuotaCharge[], estimate: QuotaAmounts,
    now: number): Promise<ReserveResult> {
    const counters = distinctCounters(charges);
    const hard = charges.filter((charge) => charge.rule.mode === "hard");
    const id = crypto.randomUUID();
    const record = JSON.stringify({
      buckets: counters.map((c) => [this.#counterKey(c), String(bucketStart(c.window, now))]),
      tokens: String(-estimate.tokens),
      usd: String(-estimate.usd),
    });

    const keys = [this.#key("leases"), this.#key("reservations"), ...this.#countersKeys(counters)];
    const args: (string | number)[] = [now, now + this.#leaseMs, id, record, counters.length,
      estimate.tokens, estimate.usd, ...counterArgs(counters, now), hard.length];
    for (const charge of hard) {
      args.push(indexOf(counters, charge) + 1, charge.rule.limit.tokens ?? "",
        charge.rule.limit.usd ?? "");
    }

    const reply = await RESERVE.run(this.#client, keys, args) as (number | string)[];
    if (reply[0] === 1) {
      this.#reservations.set(id, { charges, counters });
      return { ok: true, reservationId: id };
    }
    const charge = hard[Number(reply[1]) - 1]!;
    return { ok: false, exceeded: exceededOf(charge, rowsOf(reply.slice(2)), estimate) };
  }

  async settle(reservationId: string, actual: QuotaAmounts, now: number): Promise<QuotaAlert[]> {
    const reservation = this.#reservations.get(reservationId);
    if (reservation === undefined) return [];
    this.#reservations.delete(reservationId);

    const { charges, counters } = reservation;
    const soft = softChecks(charges, counters, now);
    const keys = [this.#key("leases"), this.#key("reservations"), this.#key("alerts"),
      this.#key("alert-sequence"), ...this.#countersKeys(counters),
      ...soft.map((check) => this.#markerKey(check.alert))];
    const args: (string | number)[] = [now, reservationId, counters.length, actual.tokens,
      actual.usd, this.#alertsKept, ...counterArgs(counters, now), soft.length];
    for (const check of soft) {
      const { used: _, ...head } = check.alert;
      args.push(check.counter + 1, UNIT_FIELD[check.alert.unit], check.alert.limit,
        WINDOW_MS[check.alert.window], JSON.stringify(head).slice(0, -1));
    }

    const reply = await SETTLE.run(this.#client, keys, args) as (number | string)[];
    const alerts: QuotaAlert[] = [];
    for (let i = 0; i < reply.length; i += 2) {
      alerts.push({ ...soft[Number(reply[i]) - 1]!.alert, used: Number(reply[i + 1]) });
    }
    return alerts;
  }

  async release(reservationId: string): Promise<void> {
    if (!this.#reservations.delete(reservationId)) return;
    await RELEASE.run(this.#client, [this.#key("leases"), this.#key("reservations")],
      [reservationId]);
  }

  async usage(counter: QuotaCounter, now: number): Promise<QuotaAmounts> {
    const fields = await this.#client.hgetall(this.#counterKey(counter));
    const oldest = oldestBucketInWindow(counter.window, now);
    const used: QuotaAmounts = { tokens: 0, usd: 0 };
    for (const row of bucketRows(fields).filter((each) => each.bucket >= oldest)) {
      used.tokens += row.tokens;
      used.usd += row.usd;
    }
    return used;
  }

  async values(axis: QuotaAxis, window: QuotaWindow, now: number): Promise<string[]> {
    const oldest = oldestBucketInWindow(window, now);
    const values = await this.#client.zrangebyscore(this.#indexKey(axis, window), oldest, "+inf");
    return values.sort();
  }

  async alerts(limit: number): Promise<QuotaAlert[]> {
    if (limit <= 0) return [];
    const members = await this.#client.zrevrange(this.#key("alerts"), 0, limit - 1);
    return members.map((member) => JSON.parse(member.slice(member.indexOf("|") + 1)));
  }

  #key(name: string): string {
    return `${this.#prefix}${name}`;
  }

  #counterKey(counter: QuotaCounter): string {
    return this.#key(`counter:${counter.window}:${counter.axis}:${counter.value}`);
  }

  #indexKey(axis: QuotaAxis, window: QuotaWindow): string {
    return this.#key(`values:${window}:${axis}`);
  }

  #markerKey(alert: Omit<QuotaAlert, "used">): string {
    return this.#key(`alerted:${alert.window}:${alert.axis}:${alert.unit}:${alert.limit}:` +
      alert.value);
  }

  /** Returns the counter keys followed by their value-index keys, the order scripts read. */
  #countersKeys(counters: QuotaCounter[]): string[] {
    return [...counters.map((counter) => this.#counterKey(counter)),
      ...counters.map((counter) => this.#indexKey(counter.axis, counter.window))];
  }
}
