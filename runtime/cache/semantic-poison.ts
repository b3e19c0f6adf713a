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
 * guard works without one.
 */
export interface PoisonPersistence {
  load(): Iterable<{ scope: string; promptFingerprint: string }>;
  save(scope: string, promptFingerprint: string): void;
  /** Keeps the answer a request got until `expiresAt` (ms since the epoch). */
  saveServed(requestId: string, served: ServedAnswer, expiresAt: number): void;
  /** Returns the answer a request got, unless it expired at `now`. */
  findServed(requestId: string, now: number): ServedAnswer | undefined;
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
 * a restart and in another process on the same store.
 * NOTE: prompts reported in another process are loaded only at boot, so until then this
 * process may store such a prompt again.
 */
export class PoisonGuard {
  readonly #served = new Map<string, ServedAnswer>();
  readonly #stored = new Map<string, { scope: string; promptFingerprint: string }>();
  readonly #poisoned = new Set<string>();
  readonly #persistence: PoisonPersistence | null;
  readonly #servedTtlMs: number;

  /** `servedTtlMs` is how long a request's answer stays reportable, the cache TTL. */
  constructor(persistence: PoisonPersistence | null = null, servedTtlMs = DEFAULT_SERVED_TTL_MS) {
    this.#persistence = persistence;
    this.#servedTtlMs = servedTtlMs;
    for (const { scope, promptFingerprint } of persistence?.load() ?? []) {
      this.#poisoned.add(poisonKey(scope, promptFingerprint));
    }
  }

  /** Remembers the answer a request got. */
  remember(requestId: string, served: ServedAnswer): void {
    boundedSet(this.#served, requestId, served, MAX_SERVED);
    this.#persistence?.saveServed(requestId, served, Date.now() + this.#servedTtlMs);
  }

  /** Remembers the prompt of a stored answer. */
  stored(storeKey: string, scope: string, promptFingerprint: string): void {
    boundedSet(this.#stored, storeKey, { scope, promptFingerprint }, MAX_STORED);
  }

  /** Returns the answer a request got, from this process or from the persistence. */
  served(requestId: string): ServedAnswer | undefined {
    return this.#served.get(requestId) ?? this.#persistence?.findServed(requestId, Date.now());
  }

  /** Returns the prompt fingerprint of a stored answer, when this process stored it. */
  promptOf(storeKey: string): string | undefined {
    return this.#stored.get(storeKey)?.promptFingerprint;
  }

  /** Store keys of the scope's answers to any of the prompts. */
  storeKeysOf(scope: string, promptFingerprints: ReadonlySet<string>): string[] {
    const keys: string[] = [];
    for (const [key, entry] of this.#stored) {
      if (entry.scope === scope && promptFingerprints.has(entry.promptFingerprint)) keys.push(key);
    }
    return keys;
  }

  forget(storeKey: string): void {
    this.#stored.delete(storeKey);
  }

  poison(scope: string, promptFingerprint: string): void {
    const key = poisonKey(scope, promptFingerprint);
    if (this.#poisoned.has(key)) return;
    this.#poisoned.add(key);
    this.#persistence?.save(scope, promptFingerprint);
  }

  isPoisoned(scope: string, promptFingerprint: string): boolean {
    return this.#poisoned.has(poisonKey(scope, promptFingerprint));
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
