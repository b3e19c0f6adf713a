import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { type Harness, SIMULATOR_KEY_ENV, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;

const CLAUDE = "claude-sonnet-4-5-20250929";

beforeAll(async () => {
  harness = await startHarness({
    extra: (url) => ({
      providers: {
        // The same simulated OpenAI API with a short deadline, for timeout fallbacks.
        // Groq's codec drops `logprobs`; served by the simulated OpenAI API.
        "groq-sim": {
          type: "groq",
          baseUrl: `${url}/openai/v1`,
          apiKeyEnv: SIMULATOR_KEY_ENV,
        },
        "openai-fast": {
          type: "openai",
          baseUrl: `${url}/openai/v1`,
          apiKeyEnv: SIMULATOR_KEY_ENV,
          timeoutMs: 300,
        },
      },
      models: {
        "routed": {
          targets: [
            { provider: "openai", upstreamModel: "gpt-4o-mini" },
            { provider: "anthropic", upstreamModel: CLAUDE },
          ],
          routing: { strategy: "fallback" },
        },
        "routed-retry": {
          targets: [
            { provider: "openai", upstreamModel: "gpt-4o-mini" },
            { provider: "anthropic", upstreamModel: CLAUDE },
          ],
          routing: { strategy: "fallback", retries: { attempts: 2, baseMs: 10, maxMs: 1500 } },
        },
        "routed-timeout": {
          targets: [
            { provider: "openai-fast", upstreamModel: "gpt-4o-mini" },
            { provider: "anthropic", upstreamModel: CLAUDE },
          ],
          routing: { strategy: "fallback", firstTokenTimeoutMs: 200 },
        },
        "routed-first-token": {
          targets: [
            { provider: "openai", upstreamModel: "gpt-4o-mini" },
            { provider: "anthropic", upstreamModel: CLAUDE },
          ],
          routing: { strategy: "fallback", firstTokenTimeoutMs: 200 },
        },
        "routed-drop": {
          targets: [
            { provider: "groq-sim", upstreamModel: "llama-3.3-70b-versatile" },
            { provider: "openai", upstreamModel: "gpt-4o-mini" },
          ],
          routing: { strategy: "fallback" },
        },
        "routed-budget-retry": {
          targets: [{ provider: "openai", upstreamModel: "gpt-4o-mini" }],
          routing: {
            strategy: "single", timeoutMs: 400,
            retries: { attempts: 2, baseMs: 0, maxMs: 0 },
          },
        },
        "routed-budget": {
          targets: [
            { provider: "openai", upstreamModel: "gpt-4o-mini" },
            { provider: "anthropic", upstreamModel: CLAUDE },
          ],
          routing: { strategy: "fallback", timeoutMs: 300 },
        },
        "routed-breaker": {
          targets: [{ provider: "openai", upstreamModel: "gpt-breaker" }],
          routing: {
            strategy: "single",
            circuitBreaker: { failureThreshold: 2, cooldownMs: 300 },
          },
        },
        "routed-balanced": {
          targets: [
            { provider: "openai", upstreamModel: "gpt-4o-mini", weight: 3 },
            { provider: "anthropic", upstreamModel: CLAUDE, weight: 1 },
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

function chat(model: string, extra: Record<string, unknown> = {}) {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }], ...extra }),
  });
}

interface RouteStep {
  provider: string;
  upstreamModel: string;
  status?: number;
  error?: string;
  ms: number;
}

async function eventOf(response: Response) {
  const event = await harness.event(response.headers.get("x-request-id") ?? "");
  expect(event).toBeDefined();
  return event!;
}

async function routeOf(response: Response): Promise<RouteStep[]> {
  return (await eventOf(response)).detail.route as RouteStep[];
}

/** Parses the `data:` payloads of an SSE body, without the final `[DONE]`. */
function ssePayloads(text: string): Record<string, unknown>[] {
  return text.split("\n\n")
    .filter((block) => block.startsWith("data: ") && !block.startsWith("data: [DONE]"))
    .map((block) => JSON.parse(block.slice(6)) as Record<string, unknown>);
}

describe("fallback", () => {
  for (const status of [429, 500, 502, 503, 529]) {
    test(`moves on after ${status}`, async () => {
      harness.simulator.enqueue({ match: { provider: "openai" }, status });
      const response = await chat("routed");
      expect(response.status).toBe(200);
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      expect(body.choices[0]?.message.content.length).toBeGreaterThan(0);

      const route = await routeOf(response);
      expect(route).toHaveLength(2);
      expect(route[0]?.provider).toBe("openai");
      expect(route[0]?.status).toBe(status);
      expect(typeof route[0]?.error).toBe("string");
      expect(route[1]).toMatchObject({
        provider: "anthropic", upstreamModel: CLAUDE, status: 200,
      });
      expect(typeof route[1]?.ms).toBe("number");

      const event = await eventOf(response);
      expect(event.provider).toBe("anthropic");
      expect(event.upstreamModel).toBe(CLAUDE);
      expect(event.status).toBe(200);
    });
  }

  test("stays put after 400", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 400 });
    const response = await chat("routed");
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("upstream_bad_request");
    expect((await routeOf(response)).map((step) => step.provider)).toEqual(["openai"]);
    expect(harness.simulator.requests.map((r) => r.provider)).toEqual(["openai"]);
  });

  test("all failing returns the last error", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 503 });
    harness.simulator.enqueue({ match: { provider: "anthropic" }, status: 500 });
    const response = await chat("routed");
    expect(response.status).toBe(500);
    const event = await eventOf(response);
    expect(event.provider).toBe("anthropic");
    expect((await routeOf(response)).map((step) => step.status)).toEqual([503, 500]);
  });

  test("moves on after a timeout", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, latencyMs: 1000 });
    const started = performance.now();
    const response = await chat("routed-timeout");
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
    const route = await routeOf(response);
    expect(route[0]).toMatchObject({ provider: "openai-fast", error: "upstream_timeout" });
    expect(route[1]).toMatchObject({ provider: "anthropic", status: 200 });
  });

  test("moves on when the first token is late", async () => {
    // The provider's own deadline is 2000 ms, so only firstTokenTimeoutMs can end this wait.
    harness.simulator.enqueue({ match: { provider: "openai" }, hangAfterEvents: 0 });
    const started = performance.now();
    const response = await chat("routed-first-token", { stream: true });
    expect(response.status).toBe(200);
    const payloads = ssePayloads(await response.text());
    expect(performance.now() - started).toBeLessThan(1500);
    expect(payloads.some((p) => "error" in p)).toBe(false);
    const route = await routeOf(response);
    expect(route[0]).toMatchObject({ provider: "openai", error: "upstream_timeout" });
    expect(route[0]?.ms).toBeLessThan(1000);
    expect(route[1]).toMatchObject({ provider: "anthropic", status: 200 });
  });

  test("first-token timeout leaves JSON alone", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, latencyMs: 400 });
    const response = await chat("routed-first-token");
    expect(response.status).toBe(200);
    expect(await routeOf(response)).toEqual([
      expect.objectContaining({ provider: "openai", status: 200 }),
    ]);
  });

  test("whole-request timeout ends the route", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, latencyMs: 1000 });
    const started = performance.now();
    const response = await chat("routed-budget");
    expect(performance.now() - started).toBeLessThan(900);
    expect(response.status).toBe(504);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("upstream_timeout");
    expect(body.error.message).toContain("routing timeout of 300 ms");
    expect((await routeOf(response))[0])
      .toMatchObject({ provider: "openai", error: "upstream_timeout" });
  });

  test("timeout names the configured budget", async () => {
    // The first attempt fails fast, so the retry gets only the rest of the 400 ms budget.
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 503, latencyMs: 100 });
    harness.simulator.enqueue({ match: { provider: "openai" }, latencyMs: 1000 });
    const response = await chat("routed-budget-retry");
    expect(response.status).toBe(504);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("upstream_timeout");
    expect(body.error.message).toContain("routing timeout of 400 ms");
    expect(body.error.message).not.toContain("did not answer within");
  });

  test("moves on when unreachable", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, cutAfterBytes: 0 });
    const response = await chat("routed");
    expect(response.status).toBe(200);
    const route = await routeOf(response);
    expect(route[0]?.provider).toBe("openai");
    expect(route[1]).toMatchObject({ provider: "anthropic", status: 200 });
  });
});

describe("parameter policy", () => {
  test("applies per target", async () => {
    const direct = await chat("routed-drop", { logprobs: true });
    expect(direct.status).toBe(200);
    expect(direct.headers.get("x-nexus-dropped-params")).toBe("logprobs");

    // The Groq target fails, and the OpenAI target honours `logprobs`.
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 503 });
    const fallback = await chat("routed-drop", { logprobs: true });
    expect(fallback.status).toBe(200);
    expect(fallback.headers.get("x-nexus-dropped-params")).toBeNull();
    expect(harness.simulator.requests.at(-1)?.body).toMatchObject({ logprobs: true });
    expect((await eventOf(fallback)).provider).toBe("openai");
  });
});

describe("streams", () => {
  test("fall back before the first chunk", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 503 });
    const response = await chat("routed", { stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("data: [DONE]");
    expect(ssePayloads(text).some((p) => "error" in p)).toBe(false);
    expect((await routeOf(response)).map((step) => step.provider)).toEqual(["openai", "anthropic"]);
  });

  test("never fall back after the first chunk", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, cutAfterEvents: 2 });
    const response = await chat("routed", { stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain("data: [DONE]");
    const last = ssePayloads(text).at(-1) as { error?: { code: string } };
    expect(last.error?.code).toBe("upstream_stream_cut");

    expect(harness.simulator.requests.map((r) => r.provider)).toEqual(["openai"]);
    const event = await eventOf(response);
    expect(event.provider).toBe("openai");
    expect(event.errorCode).toBe("upstream_stream_cut");
    expect((await routeOf(response)).map((step) => step.provider)).toEqual(["openai"]);
  });
});

describe("retries", () => {
  test("retry-after is honoured on the same target", async () => {
    harness.simulator.enqueue({
      match: { provider: "openai" }, status: 429, headers: { "retry-after": "1" },
    });
    const started = performance.now();
    const response = await chat("routed-retry");
    const elapsed = performance.now() - started;
    expect(response.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    const route = await routeOf(response);
    expect(route.map((step) => [step.provider, step.status])).toEqual([
      ["openai", 429],
      ["openai", 200],
    ]);
  });

  test("retry-after beyond maxMs moves to the next target", async () => {
    harness.simulator.enqueue({
      match: { provider: "openai" }, status: 429, headers: { "retry-after": "20" },
    });
    const started = performance.now();
    const response = await chat("routed-retry");
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
    expect((await routeOf(response)).map((step) => [step.provider, step.status])).toEqual([
      ["openai", 429],
      ["anthropic", 200],
    ]);
  });

  test("backoff retries a 503 before moving on", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 503, times: 2 });
    const response = await chat("routed-retry");
    expect(response.status).toBe(200);
    expect((await routeOf(response)).map((step) => [step.provider, step.status])).toEqual([
      ["openai", 503],
      ["openai", 503],
      ["anthropic", 200],
    ]);
  });
});

describe("circuit breaker", () => {
  test("opens, half-opens and closes", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 503, times: 2 });
    expect((await chat("routed-breaker")).status).toBe(503);
    expect((await chat("routed-breaker")).status).toBe(503);

    // Open: the target is skipped without a call.
    const before = harness.simulator.requests.length;
    const skipped = await chat("routed-breaker");
    expect(skipped.status).toBe(503);
    expect(skipped.headers.get("retry-after")).toBe("1");
    const body = (await skipped.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("upstream_overloaded");
    expect(body.error.message).toContain("circuit breakers");
    expect(harness.simulator.requests.length).toBe(before);
    expect(await routeOf(skipped)).toEqual([
      { provider: "openai", upstreamModel: "gpt-breaker", error: "circuit_open", ms: 0 },
    ]);

    // After the cool-down one trial goes through; its success closes the breaker.
    await Bun.sleep(350);
    const trial = await chat("routed-breaker");
    expect(trial.status).toBe(200);
    expect(harness.simulator.requests.length).toBe(before + 1);
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 503 });
    expect((await chat("routed-breaker")).status).toBe(503);
    // One failure after closing is below the threshold, so the next request is sent.
    expect((await chat("routed-breaker")).status).toBe(200);
  });
});

describe("loadbalance", () => {
  test("sends to both targets by weight", async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 40; i += 1) {
      const response = await chat("routed-balanced");
      expect(response.status).toBe(200);
      const provider = (await eventOf(response)).provider ?? "";
      counts[provider] = (counts[provider] ?? 0) + 1;
    }
    // Weights 3:1 over 40 draws; each side is all but certain to get at least 2.
    expect(counts.openai ?? 0).toBeGreaterThan(counts.anthropic ?? 0);
    expect(counts.anthropic ?? 0).toBeGreaterThanOrEqual(2);
  });
});

describe("openai SDK", () => {
  test("sees a normal answer after a fallback", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 503 });
    const client = new OpenAI({ baseURL: `${harness.gateway.url}/v1`, apiKey: key,
      maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: "routed",
      messages: [{ role: "user", content: "hello" }],
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(harness.simulator.requests.map((r) => r.provider)).toEqual(["openai", "anthropic"]);
  });

  test("streams a normal answer after a fallback", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 502 });
    const client = new OpenAI({ baseURL: `${harness.gateway.url}/v1`, apiKey: key,
      maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "routed",
      messages: [{ role: "user", content: "hello" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.length).toBeGreaterThan(0);
  });
});
