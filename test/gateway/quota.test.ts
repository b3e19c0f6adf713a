import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { QuotaCounter, QuotaStore } from "../../runtime/quota/quota-store.ts";
import { type Harness, SIMULATOR_KEY_ENV, startHarness } from "../support/harness.ts";

const QUOTAS = {
  defaultOutputTokens: 64,
  rules: [
    { axis: "org", match: "small", window: "hour", limit: { tokens: 300 }, mode: "hard" },
    { axis: "org", match: "responses", window: "hour", limit: { tokens: 300 }, mode: "hard" },
    { axis: "org", match: "soft", window: "hour", limit: { tokens: 10 }, mode: "soft" },
    { axis: "org", match: "spend", window: "day", limit: { tokens: 100_000 }, mode: "hard" },
    { axis: "provider", match: "capped", window: "minute", limit: { tokens: 50 },
      mode: "hard" },
    { axis: "model", match: "embed-test", window: "minute", limit: { tokens: 5 },
      mode: "hard" },
  ],
};

let harness: Harness;
let store: QuotaStore;

beforeAll(async () => {
  harness = await startHarness({
    extra: (simulatorUrl) => ({
      providers: {
        capped: { type: "anthropic", baseUrl: `${simulatorUrl}/anthropic`,
          apiKeyEnv: SIMULATOR_KEY_ENV, timeoutMs: 2000 },
      },
      models: {
        "claude-capped": { provider: "capped", upstreamModel: "claude-sonnet-4-5-20250929" },
      },
      quotas: QUOTAS,
    }),
  });
  // The gateway's own counters, which admission reads. quota-cli checks the stored copy.
  store = harness.gateway.context.quota!.store;
});
afterAll(async () => {
  await harness.close();
});

function chat(key: string, body: Record<string, unknown> = {},
  init: RequestInit = {}): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }],
      max_tokens: 40, ...body }),
    ...init,
  });
}

function orgUsage(org: string, window: QuotaCounter["window"]) {
  return store.usage({ axis: "org", value: org, window }, Date.now());
}

/** Polls the store until `check` passes, because a stream settles after its last byte. */
async function untilUsage(org: string, check: (tokens: number) => boolean): Promise<number> {
  const deadline = Date.now() + 3000;
  while (true) {
    const { tokens } = await orgUsage(org, "day");
    if (check(tokens)) return tokens;
    if (Date.now() > deadline) throw new Error(`org ${org} usage stayed at ${tokens}`);
    await Bun.sleep(10);
  }
}

interface OpenAIError {
  error: { code: string; type: string; message: string; request_id: string };
}

describe("hard limit", () => {
  test("429 in the OpenAI shape names the quota", async () => {
    const key = await harness.createKey({ org: "small" });
    let rejected: Response | null = null;
    let admitted = 0;
    for (let i = 0; i < 100 && rejected === null; i++) {
      const response = await chat(key);
      if (response.status === 429) rejected = response;
      else {
        expect(response.status).toBe(200);
        admitted++;
        await response.arrayBuffer();
      }
    }
    expect(admitted).toBeGreaterThan(0);
    expect(rejected).not.toBeNull();

    const body = (await rejected!.json()) as OpenAIError;
    expect(body.error.code).toBe("quota_exceeded");
    expect(body.error.type).toBe("rate_limit_error");
    expect(body.error.message).toContain('org "small"');
    expect(body.error.message).toContain("300 tokens per hour");
    expect(body.error.message).toMatch(/resets enough to fit at \d{4}-\d\d-\d\dT/);
    expect(Number(rejected!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(rejected!.headers.get("retry-after"))).toBeLessThanOrEqual(3660);
    const event = await harness.event(body.error.request_id);
    expect(event?.status).toBe(429);
    expect(event?.errorCode).toBe("quota_exceeded");
  });

  test("estimate over the limit never fits", async () => {
    const key = await harness.createKey({ org: "small" });
    const response = await chat(key, { max_tokens: 1000 });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBeNull();
    const body = (await response.json()) as OpenAIError;
    expect(body.error.message).toContain("never fits");
    expect(body.error.message).toContain("tokens already used, and");
    expect(body.error.message).toContain("Lower max_tokens or shorten the input.");
  });

  test("responses route reads max_output_tokens", async () => {
    const key = await harness.createKey({ org: "responses" });
    const send = (maxOutputTokens: number) => fetch(`${harness.gateway.url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-test", input: "hi", max_output_tokens: maxOutputTokens }),
    });
    const over = await send(1000);
    expect(over.status).toBe(429);
    const body = (await over.json()) as OpenAIError;
    expect(body.error.code).toBe("quota_exceeded");
    expect(body.error.message).toContain("never fits");
    expect(body.error.message).toContain("Lower max_output_tokens");
    expect(body.error.message).not.toContain("max_tokens");
    const within = await send(16);
    expect(within.status).toBe(200);
  });

  test("429 in the Anthropic shape names the provider", async () => {
    const key = await harness.createKey({ org: "anthropic-users" });
    const response = await fetch(`${harness.gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json",
        "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "claude-capped", max_tokens: 100,
        messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(429);
    const body = (await response.json()) as {
      type: string;
      error: { type: string; message: string; details: { error_code: string } };
    };
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("rate_limit_error");
    expect(body.error.details.error_code).toBe("quota_exceeded");
    expect(body.error.message).toContain('provider "capped"');
    expect(body.error.message).toContain("50 tokens per minute");
  });

  test("model limit applies to embeddings", async () => {
    const key = await harness.createKey({ org: "embedders" });
    const response = await fetch(`${harness.gateway.url}/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "embed-test", input: "a sentence longer than five tokens" }),
    });
    expect(response.status).toBe(429);
    const body = (await response.json()) as OpenAIError;
    expect(body.error.message).toContain('model "embed-test"');
    expect(body.error.message).toContain("per minute");
  });
});

describe("settlement", () => {
  test("settled spend equals reported usage", async () => {
    const key = await harness.createKey({ org: "spend" });
    const before = await orgUsage("spend", "day");
    const response = await chat(key);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { usage: { total_tokens: number } };
    const after = await orgUsage("spend", "day");
    expect(after.tokens - before.tokens).toBe(answer.usage.total_tokens);
    expect(after.usd - before.usd).toBeGreaterThan(0);
  });

  test("stream settles with its final usage", async () => {
    const key = await harness.createKey({ org: "spend" });
    const before = await orgUsage("spend", "day");
    const response = await chat(key, { stream: true, stream_options: { include_usage: true } });
    expect(response.status).toBe(200);
    const text = await response.text();
    const usageLine = text.split("\n").filter((line) => line.includes('"usage":{')).at(-1)!;
    const chunk = JSON.parse(usageLine.slice("data: ".length)) as {
      usage: { total_tokens: number };
    };
    const after = await untilUsage("spend", (tokens) => tokens !== before.tokens);
    expect(after - before.tokens).toBe(chunk.usage.total_tokens);
  });

  test("upstream failure releases the reservation", async () => {
    const key = await harness.createKey({ org: "spend" });
    const before = await orgUsage("spend", "day");
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 500 });
    const response = await chat(key);
    expect(response.status).toBe(500);
    await response.arrayBuffer();
    const after = await orgUsage("spend", "day");
    expect(after.tokens).toBe(before.tokens);
    expect(after.usd).toBeCloseTo(before.usd, 12);
  });

  test("client disconnect releases the reservation", async () => {
    const key = await harness.createKey({ org: "spend" });
    const before = await orgUsage("spend", "day");
    harness.simulator.enqueue({ match: { provider: "openai" }, latencyMs: 1000 });
    const controller = new AbortController();
    const pending = chat(key, {}, { signal: controller.signal }).catch(() => null);
    // The reservation is held while the upstream call waits.
    await untilUsage("spend", (tokens) => tokens > before.tokens);
    controller.abort();
    await pending;
    expect(await untilUsage("spend", (tokens) => tokens === before.tokens))
      .toBe(before.tokens);
  });
});

describe("soft limit", () => {
  test("soft limit alerts once per window", async () => {
    const key = await harness.createKey({ org: "soft" });
    for (let i = 0; i < 3; i++) {
      const response = await chat(key);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    const logged = harness.logs.filter((line) => line.event === "quota.soft_limit_exceeded");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ axis: "org", value: "soft", window: "hour",
      unit: "tokens", limit: 10 });
    const stored = (await store.alerts(10)).filter((alert) => alert.value === "soft");
    expect(stored).toHaveLength(1);
  });
});
