/**
 * Access tokens by service account, refreshed before they expire. Concurrent requests that
 * find no usable token share one mint instead of each minting their own.
 */

import type { AccessToken } from "./mint-token.ts";

/** How long before expiry a token is replaced, unless the token lives less than twice this. */
const REFRESH_MARGIN_MS = 5 * 60_000;

interface PendingMint {
  promise: Promise<AccessToken>;
  /** The signal of the request whose fetch runs the mint. */
  signal: AbortSignal;
}

export interface TokenCacheOptions {
  /** Clock in ms since the epoch; tests move it forward instead of waiting. */
  now?: () => number;
}

export class AccessTokenCache {
  readonly #tokens = new Map<string, AccessToken>();
  readonly #pending = new Map<string, PendingMint>();
  readonly #now: () => number;

  constructor(options: TokenCacheOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  get now(): () => number {
    return this.#now;
  }

  /**
   * Returns a token for `key` that is not near its expiry, calling `mint` when there is none.
   * A caller that joined another request's mint, which failed because that request was
   * aborted, mints again under its own signal rather than inherit the abort.
   */
  async get(key: string, signal: AbortSignal, mint: () => Promise<AccessToken>): Promise<string> {
    while (true) {
      const cached = this.#tokens.get(key);
      if (cached !== undefined && this.#fresh(cached)) return cached.value;

      const pending = this.#pending.get(key) ?? this.#startMint(key, signal, mint);
      try {
        return (await pending.promise).value;
      } catch (error) {
        if (pending.signal === signal || !pending.signal.aborted || signal.aborted) throw error;
      }
    }
  }

  /** Drops a token the API rejected, so the next request mints a new one. */
  invalidate(key: string, value: string): void {
    if (this.#tokens.get(key)?.value === value) this.#tokens.delete(key);
  }

  #startMint(key: string, signal: AbortSignal, mint: () => Promise<AccessToken>): PendingMint {
    const promise = mint().then(
      (token) => {
        this.#tokens.set(key, token);
        return token;
      },
    ).finally(() => {
      this.#pending.delete(key);
    });
    const pending = { promise, signal };
    this.#pending.set(key, pending);
    return pending;
  }

  #fresh(token: AccessToken): boolean {
    const lifetime = token.expiresAt - token.issuedAt;
    const margin = Math.min(REFRESH_MARGIN_MS, lifetime / 2);
    return this.#now() < token.expiresAt - margin;
  }
}
