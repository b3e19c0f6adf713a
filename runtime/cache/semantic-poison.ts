import { describeError, type Logger } from "../observability/log.ts";

/** The answer a request got from the cache or stored in it, kept so a report can find it. */
export interface ServedAnswer {
  /** Cache scope: `org:<org>` or `key:<org>:<key id>`. */
  scope: string;
  /** Exact store key of the answer, also its id in the semantic index. */
  storeKey: string;
  /** Prompt fingerprint of the request (see `promptFingerprintOf`). */
  promptFingerprint: string;
  /** Prompt fingerprint of the stored answer, when a semantic hit served another prompt's. */
  storedPromptFingerprint?: string;
}

/**
 * Storage of reported prompts, and of the answer each request got, beyond this process; the
 * guard works without one. The embedded one is SQLite, the production one Valkey.
 */
export interface PoisonPersistence {
  load(): Promise<Iterable<{ scope: string; promptFingerprint: string }>>;
  save(scope: string, promptFingerprint: string): Promise<void>;
  /** Tells whether any process reported the prompt in the scope. */
  isPoisoned(scope: string, promptFingerprint: string): Promise<boolean>;
  /** Keeps the answer a request got until `expiresAt` (ms since the epoch). */
  saveServed(requestId: string, served: ServedAnswer, expiresAt: number): Promise<void>;
  /** Returns the answer a request got, unless it expired at `now`. */
  findServed(requestId: string, now: number): Promise<ServedAnswer | undefined>;
  /**
   * Keeps the prompt of a stored answer until `expiresAt`, so that a report in another process
   * finds the answer. The embedded store has one process, so it leaves this out.
   */
  saveStored?(storeKey: string, scope: string, promptFingerprint: string,
    expiresAt: number): Promise<void>;
  /** Returns the store keys that `saveStored` kept for the scope's answers to the prompts. */
  findStored?(scope: string, promptFingerprints: ReadonlySet<string>): Promise<string[]>;
}

/** Bounds of the in-memory maps, so that served ids and stored keys cannot grow forever. */
const MAX_SERVED = 50_000;
const MAX_STORED = 50_000;
/** How long a request's answer stays reportable when the cache passes no TTL. */
const DEFAULT_SERVED_TTL_MS = 3_600_000;

/**
 * The poison guard of the chat cache. It remembers which answer each recent request got (by
 * request id) and which prompt each stored answer belongs to, and it keeps the prompts reported
 * as bad, per scope: a reported prompt is never stored again in that scope. With a persistence,
 * the answer each request got is kept for the cache TTL, so a report by request id works after
 * a restart and in another process on the same store. A prompt not known here as reported is
 * looked up in the persistence, so a report in another process applies at once. The lookup
 * runs only before storing an upstream answer or serving a semantic match, never on a hit.
 */
export class PoisonGuard {
  readonly #served = new Map<string, ServedAnswer>();
  readonly #stored = new Map<string, { scope: string; promptFingerprint: string }>();
  readonly #poisoned = new Set<string>();
  readonly #persistence: PoisonPersistence | null;
  readonly #servedTtlMs: number;

  readonly #logger: Logger | null;
  /** Settles once the reported prompts of the persistence are known here. */
  readonly ready: Promise<void>;

  /** `servedTtlMs` is how long a request's answer stays reportable, the cache TTL. */
  constructor(
    persistence: PoisonPersistence | null = null,
    servedTtlMs = DEFAULT_SERVED_TTL_MS,
    logger: Logger | null = null,
  ) {
    this.#persistence = persistence;
    this.#servedTtlMs = servedTtlMs;
    this.#logger = logger;
    this.ready = this.#load();
  }

  async #load(): Promise<void> {
    try {
      for (const { scope, promptFingerprint } of await this.#persistence?.load() ?? []) {
        this.#poisoned.add(poisonKey(scope, promptFingerprint));
      }
    } catch (error) {
      // Each later check still queries the persistence, so a failed load costs lookups only.
      this.#logger?.log("error", "cache.poison_load_failed", { error: describeError(error) });
    }
  }

  /**
   * Remembers the answer a request got. The persistence write runs behind the response; a
   * failed one is logged and costs only a later report by request id.
   */
  remember(requestId: string, served: ServedAnswer): void {
    boundedSet(this.#served, requestId, served, MAX_SERVED);
    this.#persistence?.saveServed(requestId, served, Date.now() + this.#servedTtlMs)
      .catch((error: unknown) => {
        this.#logger?.log("warn", "cache.served_write_failed", {
          request_id: requestId,
          error: describeError(error),
        });
      });
  }

  /**
   * Remembers the prompt of a stored answer, here and in the persistence. A failed write is
   * logged and leaves the answer to expire if another process reports the prompt.
   */
  async stored(storeKey: string, scope: string, promptFingerprint: string): Promise<void> {
    boundedSet(this.#stored, storeKey, { scope, promptFingerprint }, MAX_STORED);
    try {
      await this.#persistence?.saveStored?.(storeKey, scope, promptFingerprint,
        Date.now() + this.#servedTtlMs);
    } catch (error) {
      this.#logger?.log("warn", "cache.stored_link_write_failed", { error: describeError(error) });
    }
  }

  /** Returns the answer a request got, from this process or from the persistence. */
  async served(requestId: string): Promise<ServedAnswer | undefined> {
    return this.#served.get(requestId)
      ?? await this.#persistence?.findServed(requestId, Date.now());
  }

  /** Returns the prompt fingerprint of a stored answer, when this process stored it. */
  promptOf(storeKey: string): string | undefined {
    return this.#stored.get(storeKey)?.promptFingerprint;
  }

  /** Returns the store keys of the scope's answers to any of the prompts, by any process. */
  async storeKeysOf(scope: string, promptFingerprints: ReadonlySet<string>): Promise<string[]> {
    const keys = new Set<string>();
    for (const [key, entry] of this.#stored) {
      if (entry.scope === scope && promptFingerprints.has(entry.promptFingerprint)) keys.add(key);
    }
    const persisted = await this.#persistence?.findStored?.(scope, promptFingerprints) ?? [];
    for (const key of persisted) keys.add(key);
    return [...keys];
  }

  forget(storeKey: string): void {
    this.#stored.delete(storeKey);
  }

  /** Blocks the prompt in the scope; resolves once the persistence has it, for every node. */
  async poison(scope: string, promptFingerprint: string): Promise<void> {
    this.#poisoned.add(poisonKey(scope, promptFingerprint));
    await this.#persistence?.save(scope, promptFingerprint);
  }

  /** Tells whether the prompt was reported in the scope, here or by any process on the store. */
  async isPoisoned(scope: string, promptFingerprint: string): Promise<boolean> {
    const key = poisonKey(scope, promptFingerprint);
    if (this.#poisoned.has(key)) return true;
    if (this.#persistence === null) return false;
    try {
      if (!await this.#persistence.isPoisoned(scope, promptFingerprint)) return false;
    } catch (error) {
      // Unknown counts as reported: the answer then is neither stored nor served from cache.
      this.#logger?.log("warn", "cache.poison_check_failed", { error: describeError(error) });
      return true;
    }
    this.#poisoned.add(key);
    return true;
  }
}

function poisonKey(scope: string, promptFingerprint: string): string {
  return `${scope}\n${promptFingerprint}`;
}

/** Sets the entry at the end of the map's order and drops the oldest beyond `max`. */
function boundedSet<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}
