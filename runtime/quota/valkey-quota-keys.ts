import type { QuotaAxis, QuotaWindow } from "./config-schema.ts";
import type { QuotaAlert, QuotaCounter } from "./quota-store.ts";

/**
 * Hash tag of the counters that span orgs (provider and model axes), and of the keys that list
 * across orgs: the alert list, its sequence and the value indexes. It is the tag every quota
 * key had before keys were spread by scope, so those keys keep their names.
 */
export const GLOBAL_TAG = "quota";

/** Axes whose counters belong to one org, so that they can live on the org's shard. */
export const SCOPED_AXES: ReadonlySet<QuotaAxis> = new Set(["org", "key"]);

/** The counters of one request that live under one hash tag, so one script can touch them. */
export interface CounterGroup {
  tag: string;
  counters: QuotaCounter[];
}

/**
 * Returns the hash tag of a request's scope: its org, or its key id when it has no org. Org
 * and key counters of the request live under it. Two scopes that share a tag text only share
 * a shard, because key names also carry the axis and value.
 *
 * NOTE: org and key counters were under `{quota}` before, and their spend from that layout is
 * not read. Nodes on both layouts during a rolling upgrade count those budgets apart.
 */
export function scopeTag(scope: string): string {
  return `${GLOBAL_TAG}:${scope}`;
}

/**
 * Splits a request's counters by hash tag: org and key counters under the scope's tag,
 * provider and model counters under the global tag. The global group comes first.
 */
export function groupCounters(counters: QuotaCounter[], scope: string): CounterGroup[] {
  const scoped: QuotaCounter[] = [];
  const global: QuotaCounter[] = [];
  for (const counter of counters) {
    (SCOPED_AXES.has(counter.axis) ? scoped : global).push(counter);
  }

  const groups: CounterGroup[] = [];
  if (global.length > 0) groups.push({ tag: GLOBAL_TAG, counters: global });
  if (scoped.length > 0) groups.push({ tag: scopeTag(scope), counters: scoped });
  return groups;
}

/** Names of the quota keys under a prefix. Every name carries its hash tag in braces. */
export class QuotaKeys {
  readonly #prefix: string;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** Reservation ids by lease end, one sorted set per tag. */
  leases(tag: string): string {
    return `${this.#prefix}{${tag}}:leases`;
  }

  /** Reservation records (the buckets an estimate went to), one hash per tag. */
  reservations(tag: string): string {
    return `${this.#prefix}{${tag}}:reservations`;
  }

  counter(tag: string, counter: QuotaCounter): string {
    return `${this.#prefix}{${tag}}:counter:${counter.window}:${counter.axis}:${counter.value}`;
  }

  /** Time of a soft rule's last alert, next to the counter the rule checks. */
  marker(tag: string, alert: Omit<QuotaAlert, "used">): string {
    return `${this.#prefix}{${tag}}:alerted:${alert.window}:${alert.axis}:${alert.unit}:` +
      `${alert.limit}:${alert.value}`;
  }

  alerts(): string {
    return `${this.#prefix}{${GLOBAL_TAG}}:alerts`;
  }

  alertSequence(): string {
    return `${this.#prefix}{${GLOBAL_TAG}}:alert-sequence`;
  }

  /** Axis values by the newest bucket they spent in, across every org. */
  values(axis: QuotaAxis, window: QuotaWindow): string {
    return `${this.#prefix}{${GLOBAL_TAG}}:values:${window}:${axis}`;
  }

  /**
   * Hash tag of each key counter in the index of the same axis and window, because a key's
   * counter lives under its org's tag, which its key id alone does not give.
   */
  tags(axis: QuotaAxis, window: QuotaWindow): string {
    return `${this.#prefix}{${GLOBAL_TAG}}:tags:${window}:${axis}`;
  }
}
