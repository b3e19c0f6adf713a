import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { CacheConfig } from "../../runtime/cache/config-schema.ts";
import { valkeyCacheBackends } from "../../services/gateway/src/cache/cache-backends.ts";
import { buildChatCache } from "../../services/gateway/src/cache/chat-cache.ts";
import { embedNextAs, turnedVector } from "../support/embedding-reply.ts";
import { eventually } from "../support/harness.ts";
import { openValkeyForTest, type ValkeyTestContext } from "../support/valkey.ts";
import { startValkeyCacheNode, type ValkeyCacheNode } from "../support/valkey-cache-node.ts";

/**
 * Gateway nodes sharing one Valkey: each harness runs on its own data directory, and its
 * cache is rebuilt on the Valkey backends under this test's key prefix, as a production boot
 * would build it. All nodes call the first harness's simulator.
 */
const LEASE_MS = 500;
const CACHE = { enabled: true, ttlSeconds: 60, lockLeaseMs: LEASE_MS, lockMaxWaitMs: 10_000 };
const SEMANTIC = {
  ...CACHE,
  semantic: { enabled: true, embeddingModel: "embed-test", threshold: 0.95 },
};
const DIMENSIONS = 8;

interface Node extends ValkeyCacheNode {
  key: string;
}

const valkey: ValkeyTestContext | null = await openValkeyForTest();
let a: Node;
let b: Node;
const nodes: Node[] = [];

async function startNode(config: CacheConfig, simulatorUrl?: string): Promise<Node> {
  const started = await startValkeyCacheNode(valkey!, { cache: config, simulatorUrl });
  const node = { ...started, key: await started.harness.createKey({ org: "acme" }) };
  nodes.push(node);
  return node;
}

function chat(node: Node, content: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${node.harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${node.key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content }] }),
    signal,
  });
}

function report(node: Node, body: unknown): Promise<Response> {
  return fetch(`${node.harness.gateway.url}/v1/cache/report`, {
    method: "POST",
    headers: { authorization: `Bearer ${node.key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Chat calls the shared simulator received, embedding calls left out. */
function chatCalls(): number {
  return a.harness.simulator.requests.filter((r) => r.path.endsWith("/chat/completions")).length;
}

/** Sends a prompt and returns its `x-nexus-cache` outcome once the body is read. */
async function outcome(node: Node, content: string): Promise<string> {
  const response = await chat(node, content);
  expect(response.status).toBe(200);
  await response.json();
  return response.headers.get("x-nexus-cache") ?? "";
}

/** Joins the content deltas of an SSE chat body. */
function contentOfStream(body: string): string {
  let text = "";
  for (const frame of body.split("\n\n")) {
    if (!frame.startsWith("data: {")) continue;
    const chunk = JSON.parse(frame.slice("data: ".length)) as {
      choices?: { delta?: { content?: string } }[];
    };
    text += chunk.choices?.map((choice) => choice.delta?.content ?? "").join("") ?? "";
  }
  return text;
}

function embedAs(vector: number[]): void {
  embedNextAs(a.harness.simulator, vector);
}

function turned(angle: number): number[] {
  return turnedVector(DIMENSIONS, angle);
}

beforeAll(async () => {
  if (valkey === null) return;
  a = await startNode(CACHE);
  b = await startNode(CACHE, a.harness.simulator.url);
});

afterEach(() => {
  a?.harness.simulator.reset();
});

afterAll(async () => {
  for (const node of nodes) {
    await node.cache.close();
    await node.harness.close();
  }
  await valkey?.close();
});

describe.skipIf(valkey === null)("answer cache across gateway nodes", () => {
  test("two nodes make one call", async () => {
    a.harness.simulator.reset();
    a.harness.simulator.enqueue({ latencyMs: 300, sticky: true });
    const responses = await Promise.all(Array.from({ length: 20 },
      (_, at) => chat(at % 2 === 0 ? a : b, "coalesce across nodes")));
    const bodies = await Promise.all(responses.map((response) => response.json()));
    expect(chatCalls()).toBe(1);

    for (const response of responses) expect(response.status).toBe(200);
    for (const body of bodies) expect(body).toEqual(bodies[0]);
    const events = await Promise.all(responses.map(async (response, at) => {
      const node = at % 2 === 0 ? a : b;
      return (await node.harness.event(response.headers.get("x-request-id")!))!;
    }));
    // Only the caller pays: the others joined its call on its node (a miss, not from the store)
    // or got its stored answer on the other node (a hit, with the other node's joiners).
    const paying = events.filter((event) => event.costUsd !== 0);
    expect(paying.length).toBe(1);
    expect(paying[0]!.detail.cache).toBe("miss");
    expect(paying[0]!.detail.cache_coalesced).toBeUndefined();
    const remote = events.filter((event) => event.detail.cache_coalesced === "remote");
    expect(remote.length).toBeGreaterThanOrEqual(1);
    for (const event of remote) expect(event.detail.cache).toBe("hit");
    for (const [at, response] of responses.entries()) {
      expect(response.headers.get("x-nexus-cache")).toBe(events[at]!.detail.cache as string);
    }
  });

  test("stream reaches other node after end", async () => {
    a.harness.simulator.enqueue({ latencyMs: 100, interChunkDelayMs: 40, sticky: true });
    const send = (node: Node) => fetch(`${node.harness.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${node.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-test", stream: true,
        messages: [{ role: "user", content: "stream across nodes" }] }),
    });
    const leader = send(a);
    await eventually(() => chatCalls() === 1 || undefined);
    const [first, second] = await Promise.all([leader, send(b)]);
    const [leaderBody, waiterBody] = await Promise.all([first.text(), second.text()]);

    expect(chatCalls()).toBe(1);
    expect(first.headers.get("x-nexus-cache")).toBe("miss");
    expect(second.headers.get("x-nexus-cache")).toBe("hit");
    expect(waiterBody).toContain("data: [DONE]");
    expect(contentOfStream(waiterBody)).toBe(contentOfStream(leaderBody));
    expect(contentOfStream(waiterBody)).toContain("stream across nodes");
  });

  test("report blocks prompt on other node", async () => {
    expect(await outcome(a, "poisoned across nodes")).toBe("miss");
    const reported = await report(a, { messages: [{ role: "user",
      content: "poisoned across nodes" }] });
    expect(reported.status).toBe(200);

    expect(await outcome(b, "poisoned across nodes")).toBe("miss");
    // Node b learned of the report from the shared store, so it stored nothing either.
    expect(await outcome(b, "poisoned across nodes")).toBe("miss");
    expect(await outcome(a, "poisoned across nodes")).toBe("miss");
  });

  test("report removes other node's answer", async () => {
    expect(await outcome(b, "stored by b")).toBe("miss");
    expect(await outcome(a, "stored by b")).toBe("hit");
    const reported = await report(a, { messages: [{ role: "user", content: "stored by b" }] });
    expect(reported.status).toBe(200);
    expect(((await reported.json()) as { removed: number }).removed).toBe(1);

    expect(await outcome(a, "stored by b")).toBe("miss");
    expect(await outcome(b, "stored by b")).toBe("miss");
  });

  test("report by request id on other node", async () => {
    const served = await chat(a, "reported by id");
    await served.json();
    const requestId = served.headers.get("x-request-id")!;
    await eventually(async () =>
      await a.client.exists(`${valkey!.prefix}poison:served:${requestId}`) === 1 || undefined);

    const reported = await report(b, { request_id: requestId });
    expect(reported.status).toBe(200);
    expect(((await reported.json()) as { removed: number }).removed).toBe(1);
    expect(await outcome(a, "reported by id")).toBe("miss");
    expect(await outcome(a, "reported by id")).toBe("miss");
  });

  test("new node loads semantic entries", async () => {
    const writer = a.harness.gateway.context;
    const semanticCache = buildChatCache(SEMANTIC, writer.catalog,
      valkeyCacheBackends(a.client, valkey!.prefix, writer.logger), writer.logger)!;
    writer.cache = semanticCache;
    try {
      embedAs(turned(0));
      const first = await chat(a, "capital of France");
      const content = (await first.json()).choices[0].message.content as string;
      expect(first.headers.get("x-nexus-cache")).toBe("miss");
      await eventually(async () =>
        (await semanticCache.semantic!.entries!.loadLive(Date.now(), 10)).length > 0 || undefined);

      const c = await startNode(SEMANTIC, a.harness.simulator.url);
      await c.cache.semantic!.ready;
      expect(c.cache.semantic!.index.size).toBe(1);
      embedAs(turned(0.1));
      const paraphrase = await chat(c, "France's capital city");
      expect(paraphrase.headers.get("x-nexus-cache")).toBe("semantic-hit");
      expect((await paraphrase.json()).choices[0].message.content).toBe(content);
    } finally {
      writer.cache = a.cache;
      await semanticCache.close();
    }
  });

  test("unstored answer frees waiting nodes", async () => {
    const c = await startNode(CACHE, a.harness.simulator.url);
    const filtered = {
      id: "chatcmpl-filtered", object: "chat.completion", created: 1, model: "gpt-4o-mini",
      choices: [{ index: 0, message: { role: "assistant", content: "partial" },
        finish_reason: "content_filter" }],
      usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 },
    };
    a.harness.simulator.enqueue({ status: 200, body: filtered, latencyMs: 300, times: 3 });
    const leader = chat(a, "not stored");
    await eventually(() => chatCalls() === 1 || undefined);
    const waiters = [chat(b, "not stored"), chat(c, "not stored")];

    const second = await eventually(() => chatCalls() >= 2 ? Date.now() : undefined);
    const third = await eventually(() => chatCalls() === 3 ? Date.now() : undefined);
    for (const response of await Promise.all([leader, ...waiters])) await response.text();

    // One node after the other would put a whole call (300 ms) between the two.
    expect(third - second).toBeLessThan(150);
    expect(chatCalls()).toBe(3);
  });

  test("takeover after leader dies", async () => {
    a.harness.simulator.enqueue({ latencyMs: 1_500 });
    const leaderCall = new AbortController();
    const leader = chat(a, "leader dies", leaderCall.signal).catch(() => null);
    await eventually(() => chatCalls() === 1 || undefined);

    const waiter = chat(b, "leader dies");
    await Bun.sleep(200);
    expect(chatCalls()).toBe(1);

    // The leader's node goes away: no renewal and no release reach Valkey any more.
    const crashedAt = Date.now();
    a.client.disconnect();
    leaderCall.abort();
    const takenOverAt = await eventually(() => chatCalls() === 2 ? Date.now() : undefined);
    const response = await waiter;
    await leader;

    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-cache")).toBe("miss");
    expect((await response.json()).choices[0].message.content).toContain("leader dies");
    // The lease ran out after the leader's last renewal, at least two thirds of it later.
    expect(takenOverAt - crashedAt).toBeGreaterThanOrEqual(LEASE_MS / 2);
  });
});
