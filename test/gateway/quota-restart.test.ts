import { expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { createVirtualKey } from "../../runtime/identity/keys/create.ts";
import { createLogger } from "../../runtime/observability/log.ts";
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
  const key = harness.createKey({ org: "acme" });
  let admitted = 0;
  while ((await chat(harness.gateway.url, key)).status === 200) admitted++;
  expect(admitted).toBeGreaterThan(0);
  const { loaded } = harness.gateway.context;
  await harness.gateway.stop();

  // A gateway on the same store still finds the budget spent.
  const restarted = await startGateway(loaded, { logger: createLogger(() => {}), port: 0 });
  try {
    const secondKey = createVirtualKey(restarted.context.keys, restarted.context.hmacSecret,
      { org: "acme", models: ["*"] }).secret;
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
