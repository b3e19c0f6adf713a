import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { SEMANTIC_EMBEDDING_ROUTE } from
  "../../services/gateway/src/cache/semantic-embedding-call.ts";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;

/** Tokens the `embed-test` model may spend per day; a long prompt's estimate is over it. */
const EMBEDDING_TOKEN_LIMIT = 40;
/** Price of `embed-test` input in the harness, USD per million tokens. */
const EMBEDDING_PRICE_PER_MTOK = 0.02;

beforeAll(async () => {
  harness = await startHarness({
    extra: () => ({
      cache: {
        enabled: true,
        ttlSeconds: 60,
        semantic: { enabled: true, embeddingModel: "embed-test", threshold: 0.95 },
      },
      quotas: {
        rules: [{ axis: "model", match: "embed-test", window: "day",
          limit: { tokens: EMBEDDING_TOKEN_LIMIT }, mode: "hard" }],
      },
    }),
  });
  key = await harness.createKey({ org: "accounting" });
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

function chat(content: string): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content }] }),
  });
}

function embeddingCalls(): number {
  return harness.simulator.requests.filter((request) => request.path.endsWith("/embeddings"))
    .length;
}

function chatCalls(): number {
  return harness.simulator.requests.filter((request) => request.path.endsWith("/completions"))
    .length;
}

async function eventOf(response: Response) {
  const found = await harness.event(response.headers.get("x-request-id") ?? "");
  expect(found).toBeDefined();
  return found!;
}

async function embeddingSpend(): Promise<number> {
  const store = harness.gateway.context.quota!.store;
  const usage = await store.usage({ axis: "model", value: "embed-test", window: "day" },
    Date.now());
  return usage.tokens;
}

describe("semantic embedding accounting", () => {
  test("embedding call is its own event", async () => {
    const spentBefore = await embeddingSpend();
    const response = await chat("short");
    expect(response.status).toBe(200);
    await response.json();
    const chatEvent = await eventOf(response);

    const embeddingId = chatEvent.detail.cache_semantic_embedding_request_id;
    expect(typeof embeddingId).toBe("string");
    expect(embeddingId).not.toBe(chatEvent.requestId);
    const embedding = await harness.event(embeddingId as string);
    expect(embedding).toBeDefined();
    expect(embedding!.route).toBe(SEMANTIC_EMBEDDING_ROUTE);
    expect(embedding!.status).toBe(200);
    expect(embedding!.model).toBe("embed-test");
    expect(embedding!.provider).toBe("openai");
    expect(embedding!.org).toBe("accounting");
    expect(embedding!.keyId).toBe(chatEvent.keyId);
    expect(embedding!.detail.parent_request_id).toBe(chatEvent.requestId);

    // The simulator reports one token per four characters of input, at least one.
    const tokens = embedding!.inputTokens!;
    expect(tokens).toBeGreaterThan(0);
    expect(embedding!.costUsd).toBeCloseTo(tokens * EMBEDDING_PRICE_PER_MTOK / 1e6, 12);
    // The chat event carries only the chat call's tokens.
    expect(chatEvent.model).toBe("gpt-test");

    // Quota settlement runs after the response; give it a moment.
    await Bun.sleep(50);
    expect(await embeddingSpend()).toBe(spentBefore + tokens);
  });

  test("quota rejection skips the lookup", async () => {
    const long = "Explain the difference between the two approaches in detail. ".repeat(4);
    const response = await chat(long);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-cache")).toBe("miss");
    await response.json();
    const chatEvent = await eventOf(response);

    expect(chatEvent.detail.cache_semantic).toBe("quota_exceeded");
    expect(embeddingCalls()).toBe(0);
    expect(chatCalls()).toBe(1);
    const embeddingId = chatEvent.detail.cache_semantic_embedding_request_id as string;
    const embedding = await harness.event(embeddingId);
    expect(embedding).toBeDefined();
    expect(embedding!.status).toBe(429);
    expect(embedding!.errorCode).toBe("quota_exceeded");
    expect(embedding!.detail.parent_request_id).toBe(chatEvent.requestId);
    // A quota rejection is no sign of the model's health, so the breaker stays closed.
    expect(harness.gateway.context.cache!.semantic!.breaker.open).toBe(false);
  });
});

describe("semantic lookup coalescing", () => {
  test("concurrent identical requests embed once", async () => {
    harness.simulator.enqueue({
      match: { provider: "openai", path: "/chat/completions" },
      latencyMs: 300,
      sticky: true,
    });
    const responses = await Promise.all(Array.from({ length: 8 }, () => chat("coalesce me")));
    for (const response of responses) {
      expect(response.status).toBe(200);
      await response.json();
    }

    expect(embeddingCalls()).toBe(1);
    expect(chatCalls()).toBe(1);
    const events = await Promise.all(responses.map(eventOf));
    const ids = new Set(events.map((event) => event.detail.cache_semantic_embedding_request_id));
    expect(ids.size).toBe(1);
  });

  test("late identical request joins without embedding", async () => {
    harness.simulator.enqueue({
      match: { provider: "openai", path: "/chat/completions" },
      latencyMs: 400,
      sticky: true,
    });
    const first = chat("join me late");
    // The first request has embedded and called upstream by now; the call is still open.
    await Bun.sleep(200);
    expect(embeddingCalls()).toBe(1);
    const late = await chat("join me late");
    expect(late.status).toBe(200);
    expect(late.headers.get("x-nexus-cache")).toBe("miss");
    await late.json();
    await (await first).json();

    expect(embeddingCalls()).toBe(1);
    expect(chatCalls()).toBe(1);
    expect((await eventOf(late)).detail.cache_coalesced).toBe(true);
  });
});
