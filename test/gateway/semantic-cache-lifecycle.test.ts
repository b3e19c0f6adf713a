import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { embedNextAs } from "../support/embedding-reply.ts";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;

beforeAll(async () => {
  harness = await startHarness({
    extra: () => ({
      cache: {
        enabled: true,
        ttlSeconds: 60,
        semantic: {
          enabled: true,
          embeddingModel: "embed-test",
          threshold: 0.95,
          maxEntries: 2,
          ttlSeconds: 1,
          breakerFailures: 2,
          breakerCooldownSeconds: 1,
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

const DIMENSIONS = 8;

/** Returns a unit vector on `axis`, turned by `angle` radians toward the last dimension. */
function vectorOn(axis: number, angle = 0): number[] {
  const vector = new Array<number>(DIMENSIONS).fill(0);
  vector[axis] = Math.cos(angle);
  vector[DIMENSIONS - 1] = Math.sin(angle);
  return vector;
}

function embedAs(vector: number[]): void {
  embedNextAs(harness.simulator, vector);
}

function failEmbeddings(): void {
  harness.simulator.enqueue({
    match: { provider: "openai", path: "/embeddings" },
    status: 500,
    sticky: true,
  });
}

interface Outcome {
  status: number;
  id: string;
  cache: string;
}

async function chatOutcome(content: string): Promise<Outcome> {
  const response = await fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content }] }),
  });
  await response.text();
  return {
    status: response.status,
    id: response.headers.get("x-request-id") ?? "",
    cache: response.headers.get("x-nexus-cache") ?? "",
  };
}

function embeddingCalls(): number {
  return harness.simulator.requests.filter((request) => request.path.endsWith("/embeddings"))
    .length;
}

async function semanticDetail(requestId: string): Promise<unknown> {
  return (await harness.event(requestId))?.detail.cache_semantic;
}

describe("semantic cache eviction", () => {
  test("oldest entry goes beyond maxEntries", async () => {
    embedAs(vectorOn(0));
    await chatOutcome("size one");
    embedAs(vectorOn(1));
    await chatOutcome("size two");
    embedAs(vectorOn(0, 0.1));
    expect((await chatOutcome("size one, before eviction")).cache).toBe("semantic-hit");
    embedAs(vectorOn(2));
    await chatOutcome("size three");

    embedAs(vectorOn(0, 0.1));
    expect((await chatOutcome("size one again")).cache).toBe("miss");
    embedAs(vectorOn(2, 0.1));
    expect((await chatOutcome("size three again")).cache).toBe("semantic-hit");
  });

  test("entry expires after ttlSeconds", async () => {
    embedAs(vectorOn(3));
    await chatOutcome("ttl original");
    embedAs(vectorOn(3, 0.1));
    expect((await chatOutcome("ttl paraphrase")).cache).toBe("semantic-hit");

    await Bun.sleep(1100);
    embedAs(vectorOn(3, 0.1));
    expect((await chatOutcome("ttl paraphrase")).cache).toBe("miss");
    // The exact entry has its own, longer TTL and still serves the original prompt.
    expect((await chatOutcome("ttl original")).cache).toBe("hit");
  });
});

describe("semantic cache breaker", () => {
  test("opens after failures, requests succeed", async () => {
    failEmbeddings();
    const first = await chatOutcome("breaker one");
    const second = await chatOutcome("breaker two");
    const callsWhenOpened = embeddingCalls();
    const third = await chatOutcome("breaker three");

    for (const outcome of [first, second, third]) {
      expect(outcome.status).toBe(200);
      expect(outcome.cache).toBe("miss");
    }
    expect(await semanticDetail(first.id)).toBe("embedding_failed");
    expect(await semanticDetail(second.id)).toBe("breaker_open");
    expect(await semanticDetail(third.id)).toBe("breaker_open");
    // While open, no embedding call is made.
    expect(embeddingCalls()).toBe(callsWhenOpened);
    expect(harness.logs.some((line) => line.event === "cache.semantic_breaker_open")).toBe(true);

    // After the cool-down a successful trial closes the breaker.
    await Bun.sleep(1100);
    harness.simulator.reset();
    embedAs(vectorOn(4));
    const trial = await chatOutcome("breaker trial");
    expect(await semanticDetail(trial.id)).toBeUndefined();
    embedAs(vectorOn(4, 0.1));
    expect((await chatOutcome("breaker trial paraphrase")).cache).toBe("semantic-hit");
  });
});
