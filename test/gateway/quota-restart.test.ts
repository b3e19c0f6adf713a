import { expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { createVirtualKey } from "../../runtime/identity/keys/create.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { SqliteQuotaStore } from "../../runtime/quota/sqlite-quota-store.ts";
import { openEmbeddedDatabase } from "../../runtime/storage/embedded/open-database.ts";
import { startGateway } from "../../services/gateway/src/server.ts";
import { startHarness } from "../support/harness.ts";

const QUOTAS = {
  defaultOutputTokens: 20,
  rules: [{ axis: "org", match: "acme", window: "month", limit: { tokens: 60 }, mode: "hard" }],
};

function chat(url: string, key: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }),
  });
}

test("restart keeps the month's spend", async () => {
  const harness = await startHarness({ extra: () => ({ quotas: QUOTAS }) });
  const key = await harness.createKey({ org: "acme" });
  let admitted = 0;
  while ((await chat(harness.gateway.url, key)).status === 200) admitted++;
  expect(admitted).toBeGreaterThan(0);
  const { loaded } = harness.gateway.context;
  await harness.gateway.stop();

  // A gateway on the same store still finds the budget spent.
  const restarted = await startGateway(loaded, { logger: createLogger(() => {}), port: 0 });
  try {
    const { secret: secondKey } = await createVirtualKey(restarted.context.keys,
      restarted.context.hmacSecret, { org: "acme", models: ["*"] });
    const response = await chat(restarted.url, secondKey);
    expect(response.status).toBe(429);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("quota_exceeded");
  } finally {
    await restarted.stop();
    await harness.simulator.close();
    rmSync(harness.dataDir, { recursive: true, force: true });
  }
});

test("stop writes the last settled spend", async () => {
  const harness = await startHarness({ extra: () => ({ quotas: QUOTAS }) });
  const key = await harness.createKey({ org: "acme" });
  const response = await chat(harness.gateway.url, key);
  expect(response.status).toBe(200);
  const { usage } = (await response.json()) as { usage: { total_tokens: number } };
  const counter = { axis: "org", value: "acme", window: "month" } as const;
  const live = await harness.gateway.context.quota!.store.usage(counter, Date.now());
  expect(live.tokens).toBe(usage.total_tokens);

  // Stopping at once, within the flush interval, leaves the write to the stop itself.
  await harness.gateway.stop();
  const db = openEmbeddedDatabase(harness.dataDir);
  try {
    const stored = await new SqliteQuotaStore(db).usage(counter, Date.now());
    expect(stored.tokens).toBe(usage.total_tokens);
  } finally {
    db.close();
    await harness.simulator.close();
    rmSync(harness.dataDir, { recursive: true, force: true });
  }
});
