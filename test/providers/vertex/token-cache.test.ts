import { describe, expect, test } from "bun:test";
import type { AccessToken } from "../../../runtime/providers/vertex/mint-token.ts";
import { AccessTokenCache } from "../../../runtime/providers/vertex/token-cache.ts";

const HOUR_MS = 3_600_000;

/** Builds a mint that counts its calls and returns `token-1`, `token-2`, … for `lifetimeMs`. */
function countingMint(clock: { now: number }, lifetimeMs = HOUR_MS) {
  const mint = {
    calls: 0,
    run: async (): Promise<AccessToken> => {
      mint.calls += 1;
      const issuedAt = clock.now;
      return { value: `token-${mint.calls}`, issuedAt, expiresAt: issuedAt + lifetimeMs };
    },
  };
  return mint;
}

const signal = new AbortController().signal;

describe("AccessTokenCache", () => {
  test("second request reuses the token", async () => {
    const clock = { now: 1_000_000 };
    const cache = new AccessTokenCache({ now: () => clock.now });
    const mint = countingMint(clock);

    expect(await cache.get("sa", signal, mint.run)).toBe("token-1");
    clock.now += 10 * 60_000;
    expect(await cache.get("sa", signal, mint.run)).toBe("token-1");
    expect(mint.calls).toBe(1);
  });

  test("refreshes five minutes before expiry", async () => {
    const clock = { now: 1_000_000 };
    const cache = new AccessTokenCache({ now: () => clock.now });
    const mint = countingMint(clock);
    await cache.get("sa", signal, mint.run);

    clock.now += HOUR_MS - 5 * 60_000 - 1;
    expect(await cache.get("sa", signal, mint.run)).toBe("token-1");
    clock.now += 2;
    // The old token is still valid for almost five minutes, but is replaced now.
    expect(await cache.get("sa", signal, mint.run)).toBe("token-2");
    expect(mint.calls).toBe(2);
  });

  test("short-lived tokens refresh at half life", async () => {
    const clock = { now: 0 };
    const cache = new AccessTokenCache({ now: () => clock.now });
    const mint = countingMint(clock, 60_000);
    await cache.get("sa", signal, mint.run);

    clock.now = 29_999;
    expect(await cache.get("sa", signal, mint.run)).toBe("token-1");
    clock.now = 30_000;
    expect(await cache.get("sa", signal, mint.run)).toBe("token-2");
  });

  test("concurrent requests share one mint", async () => {
    const clock = { now: 0 };
    const cache = new AccessTokenCache({ now: () => clock.now });
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const slowMint = async (): Promise<AccessToken> => {
      calls += 1;
      await gate;
      return { value: "shared", issuedAt: 0, expiresAt: HOUR_MS };
    };

    const waiting = Array.from({ length: 5 }, () => cache.get("sa", signal, slowMint));
    release();
    expect(await Promise.all(waiting)).toEqual(Array(5).fill("shared"));
    expect(calls).toBe(1);
  });

  test("accounts have separate tokens", async () => {
    const clock = { now: 0 };
    const cache = new AccessTokenCache({ now: () => clock.now });
    const mint = countingMint(clock);
    expect(await cache.get("a", signal, mint.run)).toBe("token-1");
    expect(await cache.get("b", signal, mint.run)).toBe("token-2");
    expect(await cache.get("a", signal, mint.run)).toBe("token-1");
  });

  test("failed mint is not cached", async () => {
    const clock = { now: 0 };
    const cache = new AccessTokenCache({ now: () => clock.now });
    const failing = async (): Promise<AccessToken> => {
      throw new Error("token endpoint down");
    };
    await expect(cache.get("sa", signal, failing)).rejects.toThrow("token endpoint down");

    const mint = countingMint(clock);
    expect(await cache.get("sa", signal, mint.run)).toBe("token-1");
  });

  test("joiner re-mints when the minting request aborts", async () => {
    const cache = new AccessTokenCache({ now: () => 0 });
    const first = new AbortController();
    const second = new AbortController();
    let calls = 0;
    const mint = (controller: AbortController) => async (): Promise<AccessToken> => {
      calls += 1;
      if (controller === first) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        first.abort();
        throw new Error("aborted");
      }
      return { value: "second-token", issuedAt: 0, expiresAt: HOUR_MS };
    };

    const failing = cache.get("sa", first.signal, mint(first));
    const joined = cache.get("sa", second.signal, mint(second));
    await expect(failing).rejects.toThrow("aborted");
    expect(await joined).toBe("second-token");
    expect(calls).toBe(2);
  });

  test("invalidate drops only the rejected token", async () => {
    const clock = { now: 0 };
    const cache = new AccessTokenCache({ now: () => clock.now });
    const mint = countingMint(clock);
    await cache.get("sa", signal, mint.run);

    cache.invalidate("sa", "some-older-token");
    expect(await cache.get("sa", signal, mint.run)).toBe("token-1");
    cache.invalidate("sa", "token-1");
    expect(await cache.get("sa", signal, mint.run)).toBe("token-2");
  });
});
