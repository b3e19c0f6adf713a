import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;
let keyId: string;
let optedOutKey: string;
let globexKey: string;

beforeAll(async () => {
  harness = await startHarness({ extra: () => ({ cache: { enabled: true, ttlSeconds: 60 } }) });
  key = await harness.createKey({ name: "cached" });
  optedOutKey = await harness.createKey({ name: "opted-out", settings: { cache: false } });
  globexKey = await harness.createKey({ org: "globex" });
  keyId = (await harness.gateway.context.keys.list()).find((k) => k.name === "cached")!.id;
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

interface ChatOptions {
  secret?: string;
  stream?: boolean;
  headers?: Record<string, string>;
  extra?: Record<string, unknown>;
}

function chat(content: string, options: ChatOptions = {}): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${options.secret ?? key}`,
      "content-type": "application/json",
      ...options.headers,
    },
    body: JSON.stringify({
      model: "gpt-test",
      stream: options.stream ?? false,
      messages: [{ role: "user", content }],
      ...options.extra,
    }),
  });
}

/** Parses the JSON objects of an SSE body's `data:` lines, without the final `[DONE]`. */
async function sseChunks(response: Response): Promise<Record<string, unknown>[]> {
  const text = await response.text();
  return text.split("\n\n")
    .filter((frame) => frame.startsWith("data: ") && frame !== "data: [DONE]")
    .map((frame) => JSON.parse(frame.slice("data: ".length)) as Record<string, unknown>);
}

function textOf(chunks: Record<string, unknown>[]): string {
  return chunks.map((chunk) => {
    const choices = chunk.choices as { delta?: { content?: string } }[];
    return choices.map((choice) => choice.delta?.content ?? "").join("");
  }).join("");
}

async function event(response: Response) {
  const found = await harness.event(response.headers.get("x-request-id") ?? "");
  expect(found).toBeDefined();
  return found!;
}

function upstreamCalls(): number {
  return harness.simulator.requests.length;
}

describe("chat cache JSON", () => {
  test("second identical request hits", async () => {
    const first = await chat("json hit");
    expect(first.status).toBe(200);
    expect(first.headers.get("x-nexus-cache")).toBe("miss");
    const firstBody = await first.json();

    const second = await chat("json hit");
    expect(second.status).toBe(200);
    expect(second.headers.get("x-nexus-cache")).toBe("hit");
    expect(await second.json()).toEqual(firstBody);
    expect(upstreamCalls()).toBe(1);
  });

  test("events show status and zero cost on hit", async () => {
    const miss = await chat("json cost");
    await miss.json();
    const hit = await chat("json cost");
    await hit.json();

    const missEvent = await event(miss);
    const hitEvent = await event(hit);
    expect(missEvent.detail.cache).toBe("miss");
    expect(missEvent.costUsd).toBeGreaterThan(0);
    expect(hitEvent.detail.cache).toBe("hit");
    expect(hitEvent.costUsd).toBe(0);
    expect(hitEvent.inputTokens).toBe(missEvent.inputTokens);
    expect(hitEvent.outputTokens).toBe(missEvent.outputTokens);
  });

  test("differing user still hits", async () => {
    await (await chat("json user", { extra: { user: "alice" } })).json();
    const second = await chat("json user", { extra: { user: "bob" } });
    expect(second.headers.get("x-nexus-cache")).toBe("hit");
    expect(upstreamCalls()).toBe(1);
  });

  test("differing temperature misses", async () => {
    await (await chat("json temperature", { extra: { temperature: 0 } })).json();
    const second = await chat("json temperature", { extra: { temperature: 1 } });
    expect(second.headers.get("x-nexus-cache")).toBe("miss");
    expect(upstreamCalls()).toBe(2);
  });

  test("other org misses", async () => {
    await (await chat("json org")).json();
    const other = await chat("json org", { secret: globexKey });
    expect(other.headers.get("x-nexus-cache")).toBe("miss");
    expect(upstreamCalls()).toBe(2);
  });

  test("JSON answer does not serve a stream", async () => {
    await (await chat("json then stream")).json();
    const streamed = await chat("json then stream", { stream: true });
    expect(streamed.headers.get("x-nexus-cache")).toBe("miss");
    await streamed.text();
    expect(upstreamCalls()).toBe(2);
  });
});

describe("chat cache request controls", () => {
  test("no-cache skips read but writes", async () => {
    const fresh = await chat("no-cache", { headers: { "cache-control": "no-cache" } });
    expect(fresh.headers.get("x-nexus-cache")).toBe("miss");
    await fresh.json();
    const again = await chat("no-cache", { headers: { "cache-control": "no-cache" } });
    expect(again.headers.get("x-nexus-cache")).toBe("miss");
    await again.json();
    expect(upstreamCalls()).toBe(2);

    const plain = await chat("no-cache");
    expect(plain.headers.get("x-nexus-cache")).toBe("hit");
    expect(upstreamCalls()).toBe(2);
  });

  test("no-store neither reads nor writes", async () => {
    await (await chat("no-store stored")).json();
    const skipped = await chat("no-store stored", { headers: { "cache-control": "no-store" } });
    expect(skipped.headers.get("x-nexus-cache")).toBe("bypass");
    await skipped.json();
    expect(upstreamCalls()).toBe(2);
    expect((await event(skipped)).detail.cache_bypass_reason).toBe("no-store");

    await (await chat("no-store first", { headers: { "cache-control": "no-store" } })).json();
    const after = await chat("no-store first");
    expect(after.headers.get("x-nexus-cache")).toBe("miss");
    await after.json();
  });

  test("key setting opts out", async () => {
    for (let i = 0; i < 2; i++) {
      const response = await chat("opted out", { secret: optedOutKey });
      expect(response.headers.get("x-nexus-cache")).toBe("bypass");
      await response.json();
    }
    expect(upstreamCalls()).toBe(2);
  });

  test("bypassCache flag disables cache", async () => {
    await (await chat("flagged")).json();
    const controls = harness.gateway.context.controls;
    const scope = { tier: "key" as const, target: keyId };
    controls.engage({ control: "bypassCache", scope, reason: "stale", actor: "tester",
      expiresAt: null });
    await Bun.sleep(150);
    try {
      const bypassed = await chat("flagged");
      expect(bypassed.headers.get("x-nexus-cache")).toBe("bypass");
      await bypassed.json();
      expect(upstreamCalls()).toBe(2);
      expect((await event(bypassed)).detail.cache_bypass_reason).toBe("passthrough");
    } finally {
      controls.lift({ control: "bypassCache", scope, actor: "tester" });
      await Bun.sleep(150);
    }
  });
});

describe("chat cache what is not stored", () => {
  test("error is not cached", async () => {
    harness.simulator.enqueue({ status: 500 });
    const failed = await chat("error once");
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.headers.get("x-nexus-cache")).toBe("miss");
    await failed.text();

    const retried = await chat("error once");
    expect(retried.status).toBe(200);
    expect(retried.headers.get("x-nexus-cache")).toBe("miss");
    await retried.json();
    expect(upstreamCalls()).toBe(2);
  });

  test("refusal is not cached", async () => {
    const refusal = {
      id: "chatcmpl-refusal", object: "chat.completion", created: 1, model: "gpt-4o-mini",
      choices: [{ index: 0, finish_reason: "stop",
        message: { role: "assistant", content: null, refusal: "I can't help with that." } }],
      usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
    };
    harness.simulator.enqueue({ status: 200, body: refusal });
    const refused = await chat("refused once");
    expect((await refused.json()).choices[0].message.refusal).toBe("I can't help with that.");

    const again = await chat("refused once");
    expect(again.headers.get("x-nexus-cache")).toBe("miss");
    await again.json();
    expect(upstreamCalls()).toBe(2);
  });

  test("cut stream is not cached", async () => {
    harness.simulator.enqueue({ cutAfterEvents: 3 });
    const cut = await chat("cut stream", { stream: true });
    expect(await cut.text()).toContain("error");

    const again = await chat("cut stream", { stream: true });
    expect(again.headers.get("x-nexus-cache")).toBe("miss");
    expect(await again.text()).toContain("[DONE]");
    expect(upstreamCalls()).toBe(2);
  });
});

describe("chat cache streams", () => {
  test("replay matches original stream", async () => {
    const options = { stream: true, extra: { stream_options: { include_usage: true } } };
    const first = await chat("stream replay", options);
    expect(first.headers.get("x-nexus-cache")).toBe("miss");
    const original = await sseChunks(first);

    const second = await chat("stream replay", options);
    expect(second.headers.get("x-nexus-cache")).toBe("hit");
    expect(second.headers.get("content-type")).toContain("text/event-stream");
    const replayed = await sseChunks(second);

    expect(textOf(replayed)).toBe(textOf(original));
    expect(textOf(replayed)).toContain("stream replay");
    expect(replayed.length).toBe(original.length);
    expect(replayed.map((c) => Object.keys(c).sort()))
      .toEqual(original.map((c) => Object.keys(c).sort()));
    // Replayed chunks keep the stored id and created time.
    expect(replayed).toEqual(original);
    expect(upstreamCalls()).toBe(1);
    expect((await event(second)).costUsd).toBe(0);
    expect((await event(second)).outputTokens).toBe((await event(first)).outputTokens);
  });

  test("replay honours include_usage per request", async () => {
    const first = await chat("stream usage", {
      stream: true, extra: { stream_options: { include_usage: true } },
    });
    const withUsage = await sseChunks(first);
    expect(withUsage.some((c) => c.usage !== undefined && c.usage !== null)).toBe(true);

    const second = await chat("stream usage", { stream: true });
    expect(second.headers.get("x-nexus-cache")).toBe("hit");
    const withoutUsage = await sseChunks(second);
    expect(withoutUsage.some((c) => "usage" in c)).toBe(false);
    expect(textOf(withoutUsage)).toBe(textOf(withUsage));
  });
});

describe("chat cache off", () => {
  test("no cache section means bypass", async () => {
    const plain = await startHarness();
    try {
      const secret = await plain.createKey();
      const response = await fetch(`${plain.gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(response.headers.get("x-nexus-cache")).toBe("bypass");
      await response.json();
    } finally {
      await plain.close();
    }
  });
});
