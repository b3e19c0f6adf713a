import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, SIMULATOR_KEY_ENV, startHarness } from "../support/harness.ts";

// Routing on /v1/messages, /v1/responses and /v1/embeddings: the same strategies, retries,
// breakers and route records as on /v1/chat/completions.

let harness: Harness;
let key: string;

const CLAUDE = "claude-sonnet-4-5-20250929";
const GPT = "gpt-4o-mini";
const EMBED = "text-embedding-3-small";
const RETRY = { attempts: 2, baseMs: 10, maxMs: 1500 };
const BREAKER = { failureThreshold: 2, cooldownMs: 5000 };

beforeAll(async () => {
  harness = await startHarness({
    extra: (url) => ({
      providers: {
        // A second OpenAI-format provider on the simulated OpenAI API, for embedding fallbacks.
        "openai-b": { type: "openai", baseUrl: `${url}/openai/v1`, apiKeyEnv: SIMULATOR_KEY_ENV },
      },
      models: {
        "m-fallback": {
          targets: [
            { provider: "anthropic", upstreamModel: CLAUDE },
            { provider: "openai", upstreamModel: GPT },
          ],
          routing: { strategy: "fallback" },
        },
        "m-trigger": {
          targets: [
            { provider: "anthropic", upstreamModel: CLAUDE },
            { provider: "openai", upstreamModel: GPT },
          ],
          routing: { strategy: "fallback", retryOn: [503] },
        },
        "m-retry": {
          targets: [
            { provider: "anthropic", upstreamModel: CLAUDE },
            { provider: "openai", upstreamModel: GPT },
          ],
          routing: { strategy: "fallback", retries: RETRY },
        },
        "m-first-token": {
          targets: [
            { provider: "anthropic", upstreamModel: CLAUDE },
            { provider: "openai", upstreamModel: GPT },
          ],
          routing: { strategy: "fallback", firstTokenTimeoutMs: 200 },
        },
        "e-budget": {
          kind: "embedding",
          targets: [
            { provider: "openai", upstreamModel: EMBED },
            { provider: "openai-b", upstreamModel: EMBED },
          ],
          routing: { strategy: "fallback", timeoutMs: 300 },
        },
        "m-breaker": {
          targets: [{ provider: "anthropic", upstreamModel: "claude-breaker-messages" }],
          routing: { strategy: "single", circuitBreaker: BREAKER },
        },
        "m-balanced": {
          targets: [
            { provider: "anthropic", upstreamModel: CLAUDE },
            { provider: "openai", upstreamModel: GPT },
          ],
          routing: { strategy: "loadbalance" },
        },
        "r-fallback": {
          targets: [
            { provider: "openai", upstreamModel: GPT },
            { provider: "anthropic", upstreamModel: CLAUDE },
          ],
          routing: { strategy: "fallback", retries: RETRY },
        },
        "r-breaker": {
          targets: [{ provider: "openai", upstreamModel: "gpt-breaker-responses" }],
          routing: { strategy: "single", circuitBreaker: BREAKER },
        },
        "r-split": {
          targets: [
            { provider: "openai", upstreamModel: GPT },
            { provider: "anthropic", upstreamModel: CLAUDE },
          ],
          routing: { strategy: "absplit", absplit: { key: { header: "x-cohort" } } },
        },
        "e-fallback": {
          kind: "embedding",
          targets: [
            { provider: "openai", upstreamModel: EMBED },
            { provider: "openai-b", upstreamModel: EMBED },
          ],
          routing: { strategy: "fallback", retries: RETRY },
        },
        "e-breaker": {
          kind: "embedding",
          targets: [{ provider: "openai", upstreamModel: "embed-breaker" }],
          routing: { strategy: "single", circuitBreaker: BREAKER },
        },
        "e-balanced": {
          kind: "embedding",
          targets: [
            { provider: "openai", upstreamModel: EMBED },
            { provider: "openai-b", upstreamModel: EMBED },
          ],
          routing: { strategy: "loadbalance" },
        },
      },
    }),
  });
  key = await harness.createKey();
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

interface RouteStep {
  provider: string;
  upstreamModel: string;
  status?: number;
  error?: string;
}

function post(path: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${harness.gateway.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

function messages(model: string, extra: Record<string, unknown> = {}) {
  return post("/v1/messages", {
    model, max_tokens: 64, messages: [{ role: "user", content: "hello" }], ...extra,
  });
}

function responses(model: string, extra: Record<string, unknown> = {}, headers = {}) {
  return post("/v1/responses", { model, input: "hello", ...extra }, headers);
}

function embeddings(model: string) {
  return post("/v1/embeddings", { model, input: "hello" });
}

async function routeOf(response: Response): Promise<RouteStep[]> {
  const event = await harness.event(response.headers.get("x-request-id") ?? "");
  expect(event).toBeDefined();
  return event!.detail.route as RouteStep[];
}

async function stepsOf(response: Response): Promise<[string, number | undefined][]> {
  return (await routeOf(response)).map((step) => [step.provider, step.status]);
}

function providersCalled(): string[] {
  return harness.simulator.requests.map((request) => request.provider);
}

async function distribution(send: () => Promise<Response>, rounds: number) {
  const counts: Record<string, number> = {};
  for (let i = 0; i < rounds; i += 1) {
    const response = await send();
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const provider = (await routeOf(response)).at(-1)?.provider ?? "";
    counts[provider] = (counts[provider] ?? 0) + 1;
  }
  return counts;
}

describe("messages routing", () => {
  test("falls back from anthropic to openai", async () => {
    harness.simulator.enqueue({ match: { provider: "anthropic" }, status: 503 });
    const response = await messages("m-fallback");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { type: string; model: string; content: unknown[] };
    // The OpenAI answer comes back translated into Anthropic's shape.
    expect(body.type).toBe("message");
    expect(body.model).toBe("m-fallback");
    expect(body.content.length).toBeGreaterThan(0);
    expect(await stepsOf(response)).toEqual([["anthropic", 503], ["openai", 200]]);
    expect(harness.simulator.requests[1]?.path).toContain("/chat/completions");
  });

  test("cross-type fallback streams anthropic events", async () => {
    harness.simulator.enqueue({ match: { provider: "anthropic" }, status: 529 });
    const response = await messages("m-fallback", { stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("event: message_start");
    expect(text).toContain("event: message_stop");
    expect(text).not.toContain("event: error");
    expect(await stepsOf(response)).toEqual([["anthropic", 529], ["openai", 200]]);
  });

  test("status outside retryOn stays put", async () => {
    harness.simulator.enqueue({ match: { provider: "anthropic" }, status: 500 });
    const response = await messages("m-trigger");
    expect(response.status).toBe(500);
    const body = (await response.json()) as { type: string; error: { type: string } };
    expect(body.type).toBe("error");
    expect(providersCalled()).toEqual(["anthropic"]);
  });

  test("status in retryOn moves on", async () => {
    harness.simulator.enqueue({ match: { provider: "anthropic" }, status: 503 });
    const response = await messages("m-trigger");
    expect(response.status).toBe(200);
    expect(providersCalled()).toEqual(["anthropic", "openai"]);
  });

  test("never falls back after the first event", async () => {
    harness.simulator.enqueue({ match: { provider: "anthropic" }, cutAfterEvents: 2 });
    const response = await messages("m-fallback", { stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("event: message_start");
    expect(text).toContain("event: error");
    expect(text).not.toContain("event: message_stop");
    expect(providersCalled()).toEqual(["anthropic"]);
    expect((await routeOf(response)).map((step) => step.provider)).toEqual(["anthropic"]);
  });

  test("late first event moves on", async () => {
    // The provider's own deadline is 2000 ms, so only firstTokenTimeoutMs can end this wait.
    harness.simulator.enqueue({ match: { provider: "anthropic" }, hangAfterEvents: 0 });
    const started = performance.now();
    const response = await messages("m-first-token", { stream: true });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("event: message_stop");
    expect(performance.now() - started).toBeLessThan(1500);
    const route = await routeOf(response);
    expect(route[0]).toMatchObject({ provider: "anthropic", error: "upstream_timeout" });
    expect(route[1]).toMatchObject({ provider: "openai", status: 200 });
  });

  test("retry honours retry-after", async () => {
    harness.simulator.enqueue({
      match: { provider: "anthropic" }, status: 429, headers: { "retry-after": "1" },
    });
    const started = performance.now();
    const response = await messages("m-retry");
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(await stepsOf(response)).toEqual([["anthropic", 429], ["anthropic", 200]]);
  });

  test("breaker opens after failures", async () => {
    harness.simulator.enqueue({ match: { provider: "anthropic" }, status: 503, times: 2 });
    expect((await messages("m-breaker")).status).toBe(503);
    expect((await messages("m-breaker")).status).toBe(503);

    const before = harness.simulator.requests.length;
    const skipped = await messages("m-breaker");
    expect(skipped.status).toBe(503);
    const body = (await skipped.json()) as { error: { type: string; message: string } };
    expect(body.error.message).toContain("circuit breakers");
    // Anthropic sends overloaded_error with 529 only; a 503 is a server error.
    expect(body.error.type).toBe("api_error");
    expect(harness.simulator.requests.length).toBe(before);
    expect((await routeOf(skipped))[0]?.error).toBe("circuit_open");
  });

  test("loadbalance uses both targets", async () => {
    const counts = await distribution(() => messages("m-balanced"), 30);
    // Equal weights over 30 draws; each side is all but certain to get at least 3.
    expect(counts.anthropic ?? 0).toBeGreaterThanOrEqual(3);
    expect(counts.openai ?? 0).toBeGreaterThanOrEqual(3);
  });
});

describe("responses routing", () => {
  test("falls back from passthrough to translated", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 503, times: 2 });
    const response = await responses("r-fallback");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { object: string; model: string };
    expect(body.object).toBe("response");
    expect(body.model).toBe("r-fallback");
    expect(await stepsOf(response)).toEqual([
      ["openai", 503], ["openai", 503], ["anthropic", 200],
    ]);
    expect(harness.simulator.requests[0]?.path).toContain("/responses");
  });

  test("never falls back after the first event", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, cutAfterEvents: 2 });
    const response = await responses("r-fallback", { stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("event: response.created");
    expect(text).toContain("upstream_stream_cut");
    expect(text).not.toContain("event: response.completed");
    expect(providersCalled()).toEqual(["openai"]);
  });

  test("retry honours retry-after", async () => {
    harness.simulator.enqueue({
      match: { provider: "openai" }, status: 429, headers: { "retry-after": "1" },
    });
    const started = performance.now();
    const response = await responses("r-fallback");
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(await stepsOf(response)).toEqual([["openai", 429], ["openai", 200]]);
  });

  test("breaker opens after failures", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 503, times: 2 });
    expect((await responses("r-breaker")).status).toBe(503);
    expect((await responses("r-breaker")).status).toBe(503);
    const before = harness.simulator.requests.length;
    const skipped = await responses("r-breaker");
    expect(skipped.status).toBe(503);
    expect(harness.simulator.requests.length).toBe(before);
    expect((await routeOf(skipped))[0]?.error).toBe("circuit_open");
  });

  test("absplit pins a cohort and splits cohorts", async () => {
    const seen = new Map<string, Set<string>>();
    for (let cohort = 0; cohort < 16; cohort += 1) {
      for (let round = 0; round < 2; round += 1) {
        const response = await responses("r-split", {}, { "x-cohort": `c${cohort}` });
        expect(response.status).toBe(200);
        await response.arrayBuffer();
        const provider = (await routeOf(response))[0]?.provider ?? "";
        const providers = seen.get(`c${cohort}`) ?? new Set<string>();
        providers.add(provider);
        seen.set(`c${cohort}`, providers);
      }
    }
    // Each cohort always lands on one target, and 16 cohorts reach both targets.
    for (const providers of seen.values()) expect(providers.size).toBe(1);
    const all = new Set([...seen.values()].flatMap((providers) => [...providers]));
    expect([...all].sort()).toEqual(["anthropic", "openai"]);
  });
});

describe("embeddings routing", () => {
  test("falls back to the second target", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 503, times: 2 });
    const response = await embeddings("e-fallback");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: unknown[] };
    expect(body.data.length).toBe(1);
    expect(await stepsOf(response)).toEqual([
      ["openai", 503], ["openai", 503], ["openai-b", 200],
    ]);
  });

  test("retry honours retry-after", async () => {
    harness.simulator.enqueue({
      match: { provider: "openai" }, status: 429, headers: { "retry-after": "1" },
    });
    const started = performance.now();
    const response = await embeddings("e-fallback");
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(await stepsOf(response)).toEqual([["openai", 429], ["openai", 200]]);
  });

  test("breaker opens after failures", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 503, times: 2 });
    expect((await embeddings("e-breaker")).status).toBe(503);
    expect((await embeddings("e-breaker")).status).toBe(503);
    const before = harness.simulator.requests.length;
    const skipped = await embeddings("e-breaker");
    expect(skipped.status).toBe(503);
    expect(harness.simulator.requests.length).toBe(before);
  });

  test("whole-request timeout ends the route", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, latencyMs: 1000 });
    const started = performance.now();
    const response = await embeddings("e-budget");
    expect(performance.now() - started).toBeLessThan(900);
    expect(response.status).toBe(504);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("upstream_timeout");
    expect(body.error.message).toContain("routing timeout of 300 ms");
  });

  test("loadbalance uses both targets", async () => {
    const counts = await distribution(() => embeddings("e-balanced"), 30);
    expect(counts.openai ?? 0).toBeGreaterThanOrEqual(3);
    expect(counts["openai-b"] ?? 0).toBeGreaterThanOrEqual(3);
  });
});
