import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import {
  DEFAULT_FLUSH_INTERVAL_MS,
  SqliteQuotaStore,
} from "../../runtime/quota/sqlite-quota-store.ts";
import { openEmbeddedDatabase } from "../../runtime/storage/embedded/open-database.ts";
import { type Harness, startHarness } from "../support/harness.ts";

/** Below what 200 requests spend, so a check without reservations would overshoot it. */
const BUDGET = 1500;
const REQUESTS = 200;
const MAX_TOKENS = 50;

let harness: Harness;
let db: Database;

beforeAll(async () => {
  harness = await startHarness({
    extra: () => ({
      quotas: {
        rules: [{ axis: "org", match: "load", window: "day", limit: { tokens: BUDGET },
          mode: "hard" }],
      },
    }),
  });
  db = openEmbeddedDatabase(harness.dataDir);
});
afterAll(async () => {
  db.close();
  await harness.close();
});

test("concurrent requests stay within the budget", async () => {
  const key = await harness.createKey({ org: "load" });
  // Upstream latency keeps the admitted requests in flight together.
  harness.simulator.enqueue({ match: { provider: "openai" }, latencyMs: 100, times: REQUESTS });
  const body = JSON.stringify({ model: "gpt-test", max_tokens: MAX_TOKENS,
    messages: [{ role: "user", content: "count the budget" }] });
  const estimate = Math.ceil(body.length / 4) + MAX_TOKENS;

  const responses = await Promise.all(Array.from({ length: REQUESTS }, async () => {
    const response = await fetch(`${harness.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body,
    });
    const json = (await response.json()) as { usage?: { total_tokens: number } };
    return { status: response.status, tokens: json.usage?.total_tokens ?? 0 };
  }));

  const admitted = responses.filter((r) => r.status === 200);
  const rejected = responses.filter((r) => r.status === 429);
  expect(admitted.length + rejected.length).toBe(REQUESTS);
  expect(admitted.length).toBeGreaterThan(0);
  expect(rejected.length).toBeGreaterThan(0);
  // Requests in flight together each reserved their estimate, so at least this many fit. More
  // fit only when settled requests gave back the part of their estimate they did not use.
  expect(admitted.length).toBeGreaterThanOrEqual(Math.floor(BUDGET / estimate));

  // Real spend may pass the budget only by what admitted requests used over their estimates.
  const spent = admitted.reduce((sum, r) => sum + r.tokens, 0);
  const overEstimate = admitted.reduce((sum, r) => sum + Math.max(0, r.tokens - estimate), 0);
  expect(spent).toBeLessThanOrEqual(BUDGET + overEstimate);
  // Without the quota every request would have run and spent more than the budget.
  expect(responses.length * Math.min(...admitted.map((r) => r.tokens))).toBeGreaterThan(BUDGET);
  const counter = { axis: "org", value: "load", window: "day" } as const;
  const live = await harness.gateway.context.quota!.store.usage(counter, Date.now());
  expect(live.tokens).toBe(spent);

  // SQLite, which the CLI reads, contains the same spend once the write-behind flush has run.
  await Bun.sleep(2 * DEFAULT_FLUSH_INTERVAL_MS);
  const counted = await new SqliteQuotaStore(db).usage(counter, Date.now());
  expect(counted.tokens).toBe(spent);
}, 20_000);
