import { describe, expect, test } from "bun:test";
import { expectCoalesced, expectHitFree, expectNotStored } from "../support/cache-answers.ts";
import { useCacheHarness } from "../support/cache-harness.ts";
import type { Harness } from "../support/harness.ts";

let harness: Harness;
let key: string;
let globexKey: string;

useCacheHarness(async (started) => {
  harness = started;
  key = await harness.createKey({ name: "embeddings-cached" });
  globexKey = await harness.createKey({ org: "globex" });
});

function embed(
  input: string | string[],
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  secret = key,
): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/embeddings`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "embed-test", input, ...extra }),
  });
}

function upstreamCalls(): number {
  return harness.simulator.requests.length;
}

describe("embeddings cache", () => {
  test("second identical request hits", async () => {
    const first = await embed("hello vectors");
    expect(first.status).toBe(200);
    expect(first.headers.get("x-nexus-cache")).toBe("miss");
    const firstBody = await first.json();

    const second = await embed("hello vectors");
    expect(second.status).toBe(200);
    expect(second.headers.get("x-nexus-cache")).toBe("hit");
    const secondBody = await second.json();
    expect(secondBody).toEqual(firstBody);
    expect(secondBody.data.length).toBeGreaterThan(0);
    expect(upstreamCalls()).toBe(1);
  });

  test("hit costs nothing", async () => {
    const miss = await embed("cost vectors");
    await miss.json();
    const hit = await embed("cost vectors");
    await hit.json();
    await expectHitFree(harness, miss, hit);
  });

  test.each([
    ["input", { input: "other vectors" }],
    ["dimensions", { dimensions: 8 }],
    ["encoding_format", { encoding_format: "base64" }],
  ])("differing %s misses", async (field, change) => {
    await (await embed(`shape ${field}`)).json();
    const changed = await fetch(`${harness.gateway.url}/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "embed-test", input: `shape ${field}`, ...change }),
    });
    expect(changed.headers.get("x-nexus-cache")).toBe("miss");
    await changed.json();
    expect(upstreamCalls()).toBe(2);
  });

  test("differing user still hits", async () => {
    await (await embed("user vectors", { user: "alice" })).json();
    const second = await embed("user vectors", { user: "bob" });
    expect(second.headers.get("x-nexus-cache")).toBe("hit");
    await second.json();
    expect(upstreamCalls()).toBe(1);
  });

  test("other org misses", async () => {
    await (await embed("org vectors")).json();
    const other = await embed("org vectors", {}, {}, globexKey);
    expect(other.headers.get("x-nexus-cache")).toBe("miss");
    await other.json();
    expect(upstreamCalls()).toBe(2);
  });

  test("no-store bypasses and no-cache rewrites", async () => {
    const bypass = await embed("control vectors", {}, { "cache-control": "no-store" });
    expect(bypass.headers.get("x-nexus-cache")).toBe("bypass");
    await bypass.json();
    const fresh = await embed("control vectors", {}, { "cache-control": "no-cache" });
    expect(fresh.headers.get("x-nexus-cache")).toBe("miss");
    await fresh.json();
    const hit = await embed("control vectors");
    expect(hit.headers.get("x-nexus-cache")).toBe("hit");
    await hit.json();
    expect(upstreamCalls()).toBe(2);
  });

  test("error is not cached", async () => {
    await expectNotStored(harness, { status: 500 }, () => embed("error vectors"));
  });

  test("coalesces 20 requests", async () => {
    harness.simulator.enqueue({ latencyMs: 300, sticky: true });
    const body = await expectCoalesced(harness, 20, () => embed("coalesce vectors"));
    expect(JSON.parse(body).data.length).toBeGreaterThan(0);
  });
});
