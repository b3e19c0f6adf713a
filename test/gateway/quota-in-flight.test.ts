import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { NexusError } from "../../runtime/errors/nexus-error.ts";
import type { QuotaConfig } from "../../runtime/quota/config-schema.ts";
import type { QuotaStore } from "../../runtime/quota/quota-store.ts";
import {
  IN_FLIGHT_RETRY_SECONDS,
  quotaExceededError,
} from "../../services/gateway/src/quota/quota-error.ts";
import { type QuotaHold, QuotaGate } from "../../services/gateway/src/quota/quota-gate.ts";
import { quotaBackends } from "../support/quota-backends.ts";
import { openValkeyForTest } from "../support/valkey.ts";

// A hard-quota 429 caused by estimates in flight gives a retry-after of seconds, not
// when the sliding window has aged out enough spend.

const CONFIG: QuotaConfig = {
  rules: [{ axis: "org", match: "qb", window: "hour", limit: { tokens: 1000 }, mode: "hard" }],
};
const SUBJECT = { org: "qb", key: "key_1", provider: "openai", model: "gpt-test" };
const SILENT = { log() {} };

const valkey = await openValkeyForTest();
afterAll(async () => {
  await valkey?.close();
});

const BACKENDS = quotaBackends(valkey, "in-flight");

/** Returns the error `reserve` threw, or fails the test when it admitted the request. */
async function rejection(gate: QuotaGate): Promise<NexusError> {
  try {
    await gate.reserve({ subject: SUBJECT, requestChars: 0, maxOutputTokens: 100,
      price: undefined });
  } catch (error) {
    if (error instanceof NexusError) return error;
    throw error;
  }
  throw new Error("expected quota_exceeded, but the request was admitted");
}

/** Polls until the store's settled spend reaches `tokens`, because `finish` does not wait. */
async function waitForUsage(store: QuotaStore, tokens: number): Promise<void> {
  const counter = { axis: "org", value: "qb", window: "hour" } as const;
  for (let i = 0; i < 250; i += 1) {
    if ((await store.usage(counter, Date.now())).tokens === tokens) return;
    await Bun.sleep(20);
  }
}

for (const backend of BACKENDS) {
  describe(`${backend.name} quota gate`, () => {
    afterEach(() => {
      backend.close();
    });

    test("in-flight rejection retries in seconds", async () => {
      const store = backend.open();
      const gate = new QuotaGate(CONFIG, store, SILENT);
      const holds = await Promise.all(Array.from({ length: 10 }, () =>
        gate.reserve({ subject: SUBJECT, requestChars: 0, maxOutputTokens: 100,
          price: undefined })));

      const error = await rejection(gate);
      expect(error.code).toBe("quota_exceeded");
      expect(error.retryAfter).toBe(String(IN_FLIGHT_RETRY_SECONDS));
      expect(error.message).toContain("requests still in flight hold the rest of the budget");

      // Once they settle below their estimates, the same request fits.
      const usage = { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 };
      for (const hold of holds as QuotaHold[]) hold.finish(usage);
      await waitForUsage(store, 100);
      const admitted = await gate.reserve({ subject: SUBJECT, requestChars: 0,
        maxOutputTokens: 100, price: undefined });
      expect(admitted).not.toBeNull();
    });

    test("settled rejection waits for the window", async () => {
      const store = backend.open();
      const gate = new QuotaGate(CONFIG, store, SILENT);
      const holds = await Promise.all(Array.from({ length: 10 }, () =>
        gate.reserve({ subject: SUBJECT, requestChars: 0, maxOutputTokens: 100,
          price: undefined })));
      const usage = { prompt_tokens: 50, completion_tokens: 50, total_tokens: 100 };
      for (const hold of holds as QuotaHold[]) hold.finish(usage);
      await waitForUsage(store, 1000);

      const error = await rejection(gate);
      expect(error.code).toBe("quota_exceeded");
      expect(Number(error.retryAfter)).toBeGreaterThan(IN_FLIGHT_RETRY_SECONDS);
      expect(error.message).not.toContain("in flight");
    });
  });
}

describe("quota exceeded error", () => {
  const charge = { rule: CONFIG.rules[0]!, value: "qb" };
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  test("window wait shorter than the in-flight wait", () => {
    const error = quotaExceededError({ charge, unit: "tokens", limit: 1000, used: 950,
      requested: 100, resetsAt: now + 2_000, heldInFlight: true }, now);
    expect(error.retryAfter).toBe("2");
  });

  test("in-flight message and retry-after", () => {
    const error = quotaExceededError({ charge, unit: "tokens", limit: 1000, used: 950,
      requested: 100, resetsAt: now + 3_600_000, heldInFlight: true }, now);
    expect(error.retryAfter).toBe(String(IN_FLIGHT_RETRY_SECONDS));
    expect(error.message).toContain("950 tokens already used");
    expect(error.message).toContain(`retry in ${IN_FLIGHT_RETRY_SECONDS} s`);
  });
});
