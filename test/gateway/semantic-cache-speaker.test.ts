import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { embedNextAs } from "../support/embedding-reply.ts";
import { type Harness, startHarness } from "../support/harness.ts";

// A semantic hit must not serve one speaker's answer to another: the message `name` and the
// role and position of system messages are part of the exact shape, not of the embedded text.

let harness: Harness;
let key: string;

const DIMENSIONS = 8;

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
  key = await harness.createKey({ name: "speaker" });
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

/** Makes the simulator answer the next embeddings call with a unit vector on `axis`. */
function embedOn(axis: number): void {
  const vector = new Array<number>(DIMENSIONS).fill(0);
  vector[axis] = 1;
  embedNextAs(harness.simulator, vector);
}

async function chat(messages: Record<string, unknown>[]): Promise<string | null> {
  const response = await fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages }),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return response.headers.get("x-nexus-cache");
}

/** Sends both conversations with one embedding, so only the shape can keep them apart. */
async function cacheOfSecond(
  axis: number,
  first: Record<string, unknown>[],
  second: Record<string, unknown>[],
): Promise<string | null> {
  embedOn(axis);
  expect(await chat(first)).toBe("miss");
  embedOn(axis);
  return chat(second);
}

describe("semantic cache speaker shape", () => {
  test("user name keeps answers apart", async () => {
    const ask = (name: string) => [{ role: "user", name, content: "What is my balance?" }];
    expect(await cacheOfSecond(0, ask("alice"), ask("bob"))).toBe("miss");
  });

  test("system position keeps answers apart", async () => {
    const late = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello" },
      { role: "system", content: "Answer in French." },
      { role: "user", content: "Say thanks" },
    ];
    const early = [
      { role: "system", content: "Be brief." },
      { role: "system", content: "Answer in French." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello" },
      { role: "user", content: "Say thanks" },
    ];
    expect(await cacheOfSecond(1, late, early)).toBe("miss");
  });

  test("developer role keeps answers apart", async () => {
    const as = (role: string) => [
      { role, content: "Be terse." },
      { role: "user", content: "Describe the sky" },
    ];
    expect(await cacheOfSecond(2, as("system"), as("developer"))).toBe("miss");
  });

  test("same speaker still hits", async () => {
    const ask = (content: string) => [{ role: "user", name: "alice", content }];
    expect(await cacheOfSecond(3, ask("How tall is Everest?"), ask("Everest height?")))
      .toBe("semantic-hit");
  });
});
