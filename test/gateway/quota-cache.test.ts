import { afterAll, beforeAll, expect, test } from "bun:test";
import type { QuotaStore } from "../../runtime/quota/quota-store.ts";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let store: QuotaStore;

beforeAll(async () => {
  harness = await startHarness({
    extra: () => ({
      cache: { enabled: true, ttlSeconds: 60 },
      quotas: { rules: [{ axis: "org", match: "*", window: "day",
        limit: { tokens: 1_000_000 }, mode: "hard" }] },
    }),
  });
  // The gateway's own counters, which admission reads. quota-cli checks the stored copy.
  store = harness.gateway.context.quota!.store;
});
afterAll(async () => {
  await harness.close();
});

test("a cache hit spends nothing from the budget", async () => {
  const key = await harness.createKey({ org: "cached" });
  const ask = () => fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "same" }] }),
  });
  const spent = async () =>
    (await store.usage({ axis: "org", value: "cached", window: "day" }, Date.now())).tokens;

  const first = await ask();
  expect(first.headers.get("x-nexus-cache")).toBe("miss");
  await first.json();
  const afterMiss = await spent();
  expect(afterMiss).toBeGreaterThan(0);

  const second = await ask();
  expect(second.headers.get("x-nexus-cache")).toBe("hit");
  await second.json();
  expect(await spent()).toBe(afterMiss);
});
