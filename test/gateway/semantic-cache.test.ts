import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { embedNextAs } from "../support/embedding-reply.ts";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;
let globexKey: string;

const DIMENSIONS = 16;
/** The dimension every test vector leans toward, so that paraphrases share it. */
const TILT_AXIS = DIMENSIONS - 1;

beforeAll(async () => {
  harness = await startHarness({
    extra: () => ({
      cache: {
        enabled: true,
        ttlSeconds: 60,
        semantic: { enabled: true, embeddingModel: "embed-test", threshold: 0.95 },
      },
    }),
  });
  key = await harness.createKey({ name: "semantic" });
  globexKey = await harness.createKey({ org: "globex" });
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

/**
 * Returns a unit vector on `axis`, turned by `angle` radians toward `TILT_AXIS`. Two vectors
 * on one axis have a cosine similarity of cos(difference of angles). Vectors on different
 * axes stay near 0, so each test uses its own axis and cannot match another test's prompts.
 */
function vectorOn(axis: number, angle = 0): number[] {
  const vector = new Array<number>(DIMENSIONS).fill(0);
  vector[axis] = Math.cos(angle);
  vector[TILT_AXIS] = Math.sin(angle);
  return vector;
}

/** Makes the simulator answer the next embeddings call with `vector`. */
function embedAs(vector: number[]): void {
  embedNextAs(harness.simulator, vector);
}

interface ChatOptions {
  secret?: string;
  stream?: boolean;
  model?: string;
  extra?: Record<string, unknown>;
}

function chat(content: string, options: ChatOptions = {}): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${options.secret ?? key}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      model: options.model ?? "gpt-test",
      stream: options.stream ?? false,
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content }],
      ...options.extra,
    }),
  });
}

function report(body: unknown, secret = key): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/cache/report`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

function chatCalls(): number {
  return harness.simulator.requests.filter((request) => !request.path.endsWith("/embeddings"))
    .length;
}

function embeddingCalls(): number {
  return harness.simulator.requests.filter((request) => request.path.endsWith("/embeddings"))
    .length;
}

async function event(response: Response) {
  const found = await harness.event(response.headers.get("x-request-id") ?? "");
  expect(found).toBeDefined();
  return found!;
}

function contentOf(body: { choices: { message: { content: string } }[] }): string {
  return body.choices[0]!.message.content;
}

describe("semantic cache hits", () => {
  test("paraphrase above threshold hits", async () => {
    embedAs(vectorOn(0));
    const first = await chat("What is the capital of France?");
    expect(first.headers.get("x-nexus-cache")).toBe("miss");
    const firstBody = await first.json();

    embedAs(vectorOn(0, 0.2));
    const second = await chat("Which city is France's capital?");
    expect(second.status).toBe(200);
    expect(second.headers.get("x-nexus-cache")).toBe("semantic-hit");
    const secondBody = await second.json();
    expect(contentOf(secondBody)).toBe(contentOf(firstBody));
    expect(chatCalls()).toBe(1);
    expect(embeddingCalls()).toBe(2);

    const hitEvent = await event(second);
    expect(hitEvent.detail.cache).toBe("semantic-hit");
    expect(hitEvent.detail.cache_similarity).toBeCloseTo(Math.cos(0.2), 5);
    expect(hitEvent.costUsd).toBe(0);
    expect((await event(first)).costUsd).toBeGreaterThan(0);
  });

  test("stream paraphrase replays stream", async () => {
    embedAs(vectorOn(1));
    const first = await chat("Name three primary colours.", { stream: true });
    expect(first.headers.get("x-nexus-cache")).toBe("miss");
    const firstText = await first.text();

    embedAs(vectorOn(1, 0.1));
    const second = await chat("List the three primary colours.", { stream: true });
    expect(second.headers.get("x-nexus-cache")).toBe("semantic-hit");
    expect(second.headers.get("content-type")).toContain("text/event-stream");
    const secondText = await second.text();
    expect(secondText).toContain("data: [DONE]");
    expect(secondText.replaceAll(/"(id|created)":[^,]+,/g, ""))
      .toBe(firstText.replaceAll(/"(id|created)":[^,]+,/g, ""));
    expect(chatCalls()).toBe(1);
  });

  test("paraphrase below threshold misses", async () => {
    embedAs(vectorOn(2));
    await (await chat("How tall is Mount Everest?")).json();

    // cos(0.4) is about 0.92, under the 0.95 threshold.
    embedAs(vectorOn(2, 0.4));
    const second = await chat("How deep is the Mariana Trench?");
    expect(second.headers.get("x-nexus-cache")).toBe("miss");
    await second.json();
    expect(chatCalls()).toBe(2);
  });
});

describe("semantic cache boundaries", () => {
  test("other model never hits", async () => {
    embedAs(vectorOn(3));
    await (await chat("Define entropy.")).json();

    embedAs(vectorOn(3));
    const other = await chat("Define entropy, please.", { model: "claude-test" });
    expect(other.headers.get("x-nexus-cache")).toBe("miss");
    await other.json();
    expect(chatCalls()).toBe(2);
  });

  test("other sampling params never hit", async () => {
    embedAs(vectorOn(4));
    await (await chat("Write a haiku about rain.", { extra: { temperature: 0 } })).json();

    embedAs(vectorOn(4));
    const other = await chat("Write a rain haiku.", { extra: { temperature: 1 } });
    expect(other.headers.get("x-nexus-cache")).toBe("miss");
    await other.json();
    expect(chatCalls()).toBe(2);
  });

  test("other org never hits", async () => {
    embedAs(vectorOn(5));
    await (await chat("Explain TCP slow start.")).json();

    embedAs(vectorOn(5));
    const other = await chat("Explain TCP slow start briefly.", { secret: globexKey });
    expect(other.headers.get("x-nexus-cache")).toBe("miss");
    await other.json();
    expect(chatCalls()).toBe(2);
  });

  test("JSON answer does not serve stream", async () => {
    embedAs(vectorOn(6));
    await (await chat("Spell 'necessary'.")).json();

    embedAs(vectorOn(6));
    const streamed = await chat("How do you spell 'necessary'?", { stream: true });
    expect(streamed.headers.get("x-nexus-cache")).toBe("miss");
    await streamed.text();
    expect(chatCalls()).toBe(2);
  });
});

describe("semantic cache poison report", () => {
  test("report by request id removes and blocks", async () => {
    embedAs(vectorOn(7));
    const original = await chat("Is the earth flat?");
    await original.json();
    embedAs(vectorOn(7, 0.1));
    const hit = await chat("Is our planet flat?");
    expect(hit.headers.get("x-nexus-cache")).toBe("semantic-hit");
    await hit.json();

    const reported = await report({ request_id: hit.headers.get("x-request-id") });
    expect(reported.status).toBe(200);
    expect(await reported.json()).toEqual({ object: "cache.report", removed: 1, blocked: true });

    // Neither the exact entry nor its vector serves anymore, and the prompt is not stored again.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      embedAs(vectorOn(7));
      const again = await chat("Is the earth flat?");
      expect(again.headers.get("x-nexus-cache")).toBe("miss");
      await again.json();
    }
    embedAs(vectorOn(7, 0.1));
    const paraphrase = await chat("Is our planet flat?");
    expect(paraphrase.headers.get("x-nexus-cache")).toBe("miss");
    await paraphrase.json();
    expect(chatCalls()).toBe(4);
  });

  test("report by messages removes and blocks", async () => {
    embedAs(vectorOn(8));
    await (await chat("Is a tomato a vegetable?")).json();

    const reported = await report({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Is a tomato a vegetable?" },
      ],
    });
    expect(reported.status).toBe(200);
    expect((await reported.json()).removed).toBe(1);

    for (let attempt = 0; attempt < 2; attempt += 1) {
      embedAs(vectorOn(8));
      const again = await chat("Is a tomato a vegetable?");
      expect(again.headers.get("x-nexus-cache")).toBe("miss");
      await again.json();
    }
    expect(chatCalls()).toBe(3);
  });

  test("block stays within the scope", async () => {
    embedAs(vectorOn(9));
    await (await chat("Is glass a liquid?")).json();
    await report({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Is glass a liquid?" },
      ],
    });

    for (let attempt = 0; attempt < 2; attempt += 1) {
      embedAs(vectorOn(9));
      await (await chat("Is glass a liquid?", { secret: globexKey })).json();
    }
    expect(chatCalls()).toBe(2);
  });

  test("other org cannot report request", async () => {
    embedAs(vectorOn(10));
    const original = await chat("Do bats see in the dark?");
    await original.json();

    const reported = await report({ request_id: original.headers.get("x-request-id") },
      globexKey);
    expect(reported.status).toBe(404);
    expect((await reported.json()).error.code).toBe("invalid_request");

    const hit = await chat("Do bats see in the dark?");
    expect(hit.headers.get("x-nexus-cache")).toBe("hit");
    await hit.json();
  });

  test("report needs a virtual key", async () => {
    const reported = await report({ request_id: "anything" }, "not-a-key");
    expect(reported.status).toBe(401);
  });

  test("report rejects an invalid body", async () => {
    const reported = await report({ prompt: 3 });
    expect(reported.status).toBe(400);
    expect((await reported.json()).error.code).toBe("invalid_request");
  });
});
