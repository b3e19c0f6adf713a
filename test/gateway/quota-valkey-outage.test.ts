import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ValkeyQuotaStore } from "../../runtime/quota/valkey-quota-store.ts";
import { QuotaGate } from "../../services/gateway/src/quota/quota-gate.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import { startThrowawayValkey, type ThrowawayValkey } from "../support/throwaway-valkey.ts";

/**
 * Quotas on a Valkey of this test's own, killed mid-test: requests are rejected at once with
 * 503 `quota_unavailable` in the route's error shape, never admitted unmetered.
 */
const QUOTAS = {
  rules: [
    { axis: "org", match: "metered", window: "hour", limit: { tokens: 100_000 }, mode: "hard" },
  ],
};
/** The most a rejection may take with the store down. */
const MAX_OUTAGE_MS = 1_000;

const valkey: ThrowawayValkey | null = await startThrowawayValkey();
let harness: Harness;
let key: string;

beforeAll(async () => {
  if (valkey === null) return;
  harness = await startHarness({ extra: () => ({ quotas: QUOTAS }) });
  const { context } = harness.gateway;
  const store = new ValkeyQuotaStore(valkey.client, { prefix: "nexus-outage:" });
  context.quota = new QuotaGate(context.loaded.config.quotas!, store, context.logger);
  key = await harness.createKey({ org: "metered" });
});
afterAll(async () => {
  await harness?.close();
  await valkey?.close();
});

function chat(): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }),
  });
}

function messages(): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json",
      "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "gpt-test", max_tokens: 16,
      messages: [{ role: "user", content: "hi" }] }),
  });
}

describe.skipIf(valkey === null)("quotas with Valkey down", () => {
  test("admits while Valkey is up", async () => {
    const response = await chat();
    await response.text();
    expect(response.status).toBe(200);
  });

  test("503 quota_unavailable in OpenAI shape", async () => {
    await valkey!.kill();
    const started = performance.now();
    const response = await chat();
    const body = (await response.json()) as { error: { code: string; type: string } };
    expect(performance.now() - started).toBeLessThan(MAX_OUTAGE_MS);
    expect(response.status).toBe(503);
    expect(body.error.code).toBe("quota_unavailable");
    expect(body.error.type).toBe("api_error");
    expect(response.headers.get("retry-after")).toBe("1");
  });

  test("503 quota_unavailable in Anthropic shape", async () => {
    const started = performance.now();
    const response = await messages();
    const body = (await response.json()) as {
      type: string;
      error: { type: string; details: { error_code: string } };
    };
    expect(performance.now() - started).toBeLessThan(MAX_OUTAGE_MS);
    expect(response.status).toBe(503);
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("api_error");
    expect(body.error.details.error_code).toBe("quota_unavailable");
  });

  test("store failure is logged", () => {
    const failed = harness.logs.filter((line) => line.event === "quota.reserve_failed");
    expect(failed.length).toBe(2);
  });
});
