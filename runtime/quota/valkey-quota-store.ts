import type { Logger } from "../observability/log.ts";
import type { ValkeyClient } from "../storage/valkey/open-valkey.ts";
import type { QuotaAxis, QuotaWindow } from "./config-schema.ts";
import type {
  QuotaAlert,
  QuotaAmounts,
  QuotaCharge,
  QuotaCounter,
  QuotaExceeded,
  QuotaStore,
  QuotaUnit,
  ReserveResult,
} from "./quota-store.ts";
import {
  bucketRows,
  counterArgs,
  counterTtlMs,
  distinctCounters,
  exceededOf,
  indexOf,
  rowsOf,
  softChecks,
} from "./valkey-quota-args.ts";
import { ReleaseRetryQueue, type ReleaseRetryOptions } from "./release-retry-queue.ts";
import { QuotaValueIndex } from "./valkey-quota-index.ts";
import { type CounterGroup, groupCounters, QuotaKeys } from "./valkey-quota-keys.ts";
import { RECORD_ALERTS, RELEASE, RESERVE } from "./valkey-quota-scripts.ts";
import { SettleBatcher } from "./valkey-settle-batch.ts";
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
  /**
   * How long a settle waits for others of the same org (or of the global counters) to share
   * one script call, in ms. Reserves in this time see the estimate in place of the real
   * spend. Default 0: settles started in the same event-loop turn share a call, and none
   * waits for a timer, because a timer cost more CPU than it saved in bench/quota/store-step.ts.
   */
  settleBatchMs?: number;
  /** Backoff and bound of the releases retried in the background while Valkey is away. */
  releaseRetry?: Omit<ReleaseRetryOptions, "logger">;
  logger?: Logger;
}

/** A reservation as this node keeps it. The server stores the buckets of its estimate. */
interface Reservation {
  charges: QuotaCharge[];
  groups: CounterGroup[];
  /** When the server takes the estimate back on its own, on the callers' `now` clock. */
  leaseEnd: number;
}

/** A release to retry: the groups to release the id in, and the id's lease end. */
type PendingRelease = Omit<Reservation, "charges">;

/**
 * Counter hash fields that hold settled spend only, which soft limits are checked on.
 * NOTE: counters written before these fields existed count their old spend as unsettled, so
 * for one window after an upgrade soft alerts come late and a hard rejection may be reported
 * as held by requests in flight.
 */
const SETTLED_FIELD: Record<QuotaUnit, string> = { tokens: "T", usd: "U" };

/**
 * Quota counters in Valkey, shared by every gateway node. Counters use the embedded store's
 * sliding windows: buckets of 1/60 of the window, summed over every bucket that overlaps it.
 * A counter key expires one window after its last spend, so memory follows the active
 * counters.
 *
 * Keys are spread over a Valkey cluster by hash tag (valkey-quota-keys.ts). The org and key
 * counters of a request, with their lease and reservation keys, share the tag of the
 * request's scope (its org), so different orgs land on different shards. Provider and model
 * counters span orgs and share one global tag. `reserve` runs one Lua script per tag a
 * request touches, so a check and its add never interleave with another node's. A request
 * with both kinds of counter runs two scripts side by side, and when one rejects, the other's
 * estimate is released. Until then, that estimate can make a concurrent request fail that
 * would have fit, but no hard limit is passed by more than the usual overshoot of real usage
 * over estimates. Settles of one tag are batched into one script call
 * (valkey-settle-batch.ts), in which each soft-limit check and its marker are atomic.
 *
 * Reservation ids are made on this node, so a reserve that failed is released by id in every
 * group, because a stalled server may still run a script that timed out on this side.
 * Releases that cannot reach Valkey are retried in the background (release-retry-queue.ts).
 */
export class ValkeyQuotaStore implements QuotaStore {
  readonly #client: ValkeyClient;
  readonly #keys: QuotaKeys;
  readonly #index: QuotaValueIndex;
  readonly #settles: SettleBatcher;
  readonly #retries: ReleaseRetryQueue<PendingRelease>;
  readonly #leaseMs: number;
  readonly #alertsKept: number;
  readonly #reservations = new Map<string, Reservation>();
  /** Settles and releases still running, which `close` waits for. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(client: ValkeyClient, options: ValkeyQuotaOptions = {}) {
    this.#client = client;
    this.#keys = new QuotaKeys(options.prefix ?? "nexus:");
    this.#index = new QuotaValueIndex(client, this.#keys);
    this.#leaseMs = options.reservationLeaseMs ?? 15 * 60_000;
    this.#alertsKept = options.alertsKept ?? 10_000;
    this.#settles = new SettleBatcher(client, this.#keys, options.settleBatchMs ?? 0);
    this.#retries = new ReleaseRetryQueue(
      (id, pending) => this.#releaseGroups(id, pending.groups, pending.leaseEnd),
      { ...options.releaseRetry, logger: options.logger });
  }

  /** Releases still waiting for Valkey to come back, for tests and health reports. */
  get pendingReleases(): number {
    return this.#retries.size;
  }

  /**
   * `scope` is the request's org, or its key id when it has none; the gateway always passes
   * it. Without it, the org charge's value is used, else the key charge's value, which puts
   * a key counter under another tag than the gateway does when there is no org charge.
   */
  async reserve(charges: QuotaCharge[], estimate: QuotaAmounts, now: number,
    scope?: string): Promise<ReserveResult> {
    const groups = groupCounters(distinctCounters(charges), scope ?? scopeOf(charges));
    const hard = charges.filter((charge) => charge.rule.mode === "hard");
    const id = crypto.randomUUID();
    const leaseEnd = now + this.#leaseMs;

    // Groups live on different shards, so their scripts run side by side.
    const outcomes = await Promise.allSettled(groups.map((group) =>
      this.#reserveGroup(id, group, hard, estimate, now)));
    const reservedGroups = groups.filter((_, i) => {
      const outcome = outcomes[i]!;
      return outcome.status === "fulfilled" && outcome.value === null;
    });
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed !== undefined) {
      // A script that timed out on this side may still run when a stalled server resumes,
      // so every group is released, not only those that replied. The release is queued on
      // the same connection behind the script, and the id's `released` record stops a script
      // that runs later anyway. The caller gets its 503 without waiting for the release.
      this.#releaseOrRetry(id, { groups, leaseEnd }).catch(() => undefined);
      throw failed.reason;
    }
    const exceeded = outcomes.find((outcome) =>
      outcome.status === "fulfilled" && outcome.value !== null);
    if (exceeded !== undefined) {
      // A lease would free them too, but only after it ends.
      await this.#releaseOrRetry(id, { groups: reservedGroups, leaseEnd })
        .catch(() => undefined);
      return { ok: false, exceeded: (exceeded as PromiseFulfilledResult<QuotaExceeded>).value };
    }

    this.#reservations.set(id, { charges, groups, leaseEnd });
    await this.#index.record(groups, now);
    return { ok: true, reservationId: id };
  }

  settle(reservationId: string, actual: QuotaAmounts, now: number): Promise<QuotaAlert[]> {
    const reservation = this.#reservations.get(reservationId);
    if (reservation === undefined) return Promise.resolve([]);
    this.#reservations.delete(reservationId);
    return this.#track(this.#settle(reservationId, reservation, actual, now));
  }

  release(reservationId: string): Promise<void> {
    const reservation = this.#reservations.get(reservationId);
    if (reservation === undefined) return Promise.resolve();
    this.#reservations.delete(reservationId);
    return this.#releaseOrRetry(reservationId, reservation);
  }

  /**
   * Sends the settles still waiting for their batch and waits for every settle and release
   * already started, so a stopping gateway charges the spend of its last requests before it
   * closes the client. It does not close the client.
   */
  async close(): Promise<void> {
    while (this.#pending.size > 0) {
      this.#settles.flush();
      await Promise.allSettled([...this.#pending]);
    }
    await this.#retries.close();
  }

  async usage(counter: QuotaCounter, now: number): Promise<QuotaAmounts> {
    const tag = await this.#index.tagOf(counter);
    const fields = await this.#client.hgetall(this.#keys.counter(tag, counter));
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
    const values = await this.#client.zrangebyscore(this.#keys.values(axis, window), oldest,
      "+inf");
    return values.sort();
  }

  async alerts(limit: number): Promise<QuotaAlert[]> {
    if (limit <= 0) return [];
    const members = await this.#client.zrevrange(this.#keys.alerts(), 0, limit - 1);
    return members.map((member) => JSON.parse(member.slice(member.indexOf("|") + 1)));
  }

  /** Runs RESERVE on one tag's counters; returns the hard charge it rejected, or null. */
  async #reserveGroup(id: string, group: CounterGroup, hard: QuotaCharge[],
    estimate: QuotaAmounts, now: number): Promise<QuotaExceeded | null> {
    const { tag, counters } = group;
    const checks = hard.filter((charge) => indexOf(counters, charge) >= 0);
    const record = JSON.stringify({
      buckets: counters.map((c) => [this.#keys.counter(tag, c), String(bucketStart(c.window,
        now))]),
      tokens: String(-estimate.tokens),
      usd: String(-estimate.usd),
    });
    const keep = this.#leaseMs + Math.max(...counters.map((c) => counterTtlMs(c.window)));

    const keys = [this.#keys.leases(tag), this.#keys.reservations(tag),
      ...counters.map((counter) => this.#keys.counter(tag, counter))];
    const args: (string | number)[] = [now, now + this.#leaseMs, id, record, counters.length,
      estimate.tokens, estimate.usd, keep, ...counterArgs(counters, now), checks.length];
    for (const charge of checks) {
      args.push(indexOf(counters, charge) + 1, charge.rule.limit.tokens ?? "",
        charge.rule.limit.usd ?? "");
    }

    const reply = await RESERVE.run(this.#client, keys, args) as (number | string)[];
    if (reply[0] === 1) return null;
    if (reply[0] === 2) {
      // Only a call this node already gave up on can see its own id released.
      throw new Error(`quota reservation ${id} was released before its reserve ran`);
    }
    const charge = checks[Number(reply[1]) - 1]!;
    return exceededOf(charge, rowsOf(reply.slice(2)), estimate);
  }

  async #settle(id: string, reservation: Reservation, actual: QuotaAmounts,
    now: number): Promise<QuotaAlert[]> {
    const perGroup = await Promise.all(reservation.groups.map((group) =>
      this.#settleGroup(id, group, reservation.charges, actual, now)));
    const alerts = perGroup.flat();

    const recorded = alerts.length === 0 ? null : RECORD_ALERTS.run(this.#client,
      [this.#keys.alerts(), this.#keys.alertSequence()],
      [now, this.#alertsKept, ...alerts.map((alert) => JSON.stringify(alert))]);
    await Promise.all([recorded, this.#index.record(reservation.groups, now)]);
    return alerts;
  }

  /** Settles one tag's counters in that tag's next batch; returns the alerts raised. */
  async #settleGroup(id: string, group: CounterGroup, charges: QuotaCharge[],
    actual: QuotaAmounts, now: number): Promise<QuotaAlert[]> {
    const { tag, counters } = group;
    const inGroup = charges.filter((charge) => indexOf(counters, charge) >= 0);
    const soft = softChecks(inGroup, counters, now);
    const keys = [...counters.map((counter) => this.#keys.counter(tag, counter)),
      ...soft.map((check) => this.#keys.marker(tag, check.alert))];
    const args: (string | number)[] = [now, id, counters.length, actual.tokens, actual.usd,
      ...counterArgs(counters, now), soft.length];
    for (const check of soft) {
      args.push(check.counter + 1, SETTLED_FIELD[check.alert.unit], check.alert.limit,
        WINDOW_MS[check.alert.window]);
    }

    const reply = await this.#settles.add(tag, { keys, args });
    const alerts: QuotaAlert[] = [];
    for (let i = 0; i < reply.length; i += 2) {
      alerts.push({ ...soft[Number(reply[i]) - 1]!.alert, used: Number(reply[i + 1]) });
    }
    return alerts;
  }

  /**
   * Releases the id in every group. When Valkey cannot be reached, it rejects and queues the
   * release for background retries until the lease would have ended anyway.
   */
  #releaseOrRetry(id: string, pending: PendingRelease): Promise<void> {
    const giveUpAt = performance.now() + this.#leaseMs;
    return this.#track(this.#releaseGroups(id, pending.groups, pending.leaseEnd).catch(
      (error: unknown) => {
        this.#retries.add(id, pending, giveUpAt);
        throw error;
      },
    ));
  }

  /** Runs RELEASE in each group; RELEASE is idempotent, so a retry may repeat a group. */
  async #releaseGroups(id: string, groups: CounterGroup[], leaseEnd: number): Promise<void> {
    await Promise.all(groups.map(({ tag }) => RELEASE.run(this.#client,
      [this.#keys.leases(tag), this.#keys.reservations(tag)], [id, leaseEnd, this.#leaseMs])));
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    const forget = () => this.#pending.delete(work);
    work.then(forget, forget);
    return work;
  }
}

/** Returns the scope of a request that named none: its org, else its key id, else ''. */
function scopeOf(charges: QuotaCharge[]): string {
  const org = charges.find((charge) => charge.rule.axis === "org");
  const key = charges.find((charge) => charge.rule.axis === "key");
  return org?.value ?? key?.value ?? "";
}
