import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { ConfigError, validateConfig } from "../../runtime/config/load.ts";
import { type Harness, startHarness } from "../support/harness.ts";

// Per-key routing (`keyRouting`) over the model's own routing, and a cache miss that routes.

let harness: Harness;
let plainKey: string;
let batchKey: string;
let betaBatchKey: string;
let pinnedKeyId: string;

const CLAUDE = "claude-sonnet-4-5-20250929";
const GPT = "gpt-4o-mini";
const BOTH = [
  { provider: "openai", upstreamModel: GPT },
  { provider: "anthropic", upstreamModel: CLAUDE },
];

beforeAll(async () => {
  harness = await startHarness({
    extra: () => ({
      cache: { enabled: true, ttlSeconds: 60 },
      models: {
        "k-model": { targets: BOTH, routing: { strategy: "fallback" } },
        "k-cached": { targets: BOTH, routing: { strategy: "fallback" } },
        "k-split": {
          targets: BOTH,
          routing: { strategy: "absplit", absplit: { key: { header: "x-cohort" } } },
        },
      },
      keyRouting: [
        // By name, the key's own targets: only Anthropic.
        {
          keys: ["batch"],
          org: "acme",
          models: ["k-*"],
          targets: [{ provider: "anthropic", upstreamModel: CLAUDE }],
          routing: { strategy: "single" },
        },
        // Matched by id in a test below; uses the model's targets, second one first.
        { keys: ["key_filled_in_by_the_test"], models: ["k-model"], routing: {
          strategy: "conditional",
          conditional: { rules: [{ when: { model: { equals: "never" } }, targets: [0] }],
            default: [1, 0] },
        } },
      ],
    }),
  });
  plainKey = await harness.createKey({ name: "plain" });
  batchKey = await harness.createKey({ name: "batch" });
  betaBatchKey = await harness.createKey({ org: "beta", name: "batch" });
  await harness.createKey({ name: "pinned" });
  pinnedKeyId = (await harness.gateway.context.keys.list()).find((k) => k.name === "pinned")!.id;
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

function chat(secret: string, model: string, content = "hello", headers = {}) {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content }] }),
  });
}

function messages(secret: string, model: string) {
  return fetch(`${harness.gateway.url}/v1/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json",
      "cache-control": "no-store" },
    body: JSON.stringify({ model, max_tokens: 32, messages: [{ role: "user", content: "hi" }] }),
  });
}

async function detailOf(response: Response): Promise<Record<string, unknown>> {
  const event = await harness.event(response.headers.get("x-request-id") ?? "");
  expect(event).toBeDefined();
  return event!.detail;
}

function providersCalled(): string[] {
  return harness.simulator.requests.map((request) => request.provider);
}

describe("per-key routing", () => {
  test("model routing applies without an override", async () => {
    const response = await chat(plainKey, "k-model", "plain");
    expect(response.status).toBe(200);
    expect(providersCalled()).toEqual(["openai"]);
    const reason = (await detailOf(response)).route_reason as Record<string, unknown>;
    expect(reason.strategy).toBe("fallback");
    expect(reason.source).toBeUndefined();
  });

  test("override by key name beats the model", async () => {
    const response = await chat(batchKey, "k-model", "batch");
    expect(response.status).toBe(200);
    expect(providersCalled()).toEqual(["anthropic"]);
    const detail = await detailOf(response);
    expect(detail.route_reason).toEqual({
      strategy: "single", source: "key", keyRoute: 0, key: "batch", ownTargets: true,
    });
  });

  test("same key name in another org", async () => {
    const response = await chat(betaBatchKey, "k-model", "beta batch");
    expect(response.status).toBe(200);
    expect(providersCalled()).toEqual(["openai"]);
    const reason = (await detailOf(response)).route_reason as Record<string, unknown>;
    expect(reason.source).toBeUndefined();
  });

  test("override applies on /v1/messages", async () => {
    const response = await messages(batchKey, "k-model");
    expect(response.status).toBe(200);
    expect(providersCalled()).toEqual(["anthropic"]);
    const reason = (await detailOf(response)).route_reason as Record<string, unknown>;
    expect(reason.source).toBe("key");
  });

  test("override by key id, model's targets", async () => {
    // A key id is only known once the key exists, so this entry is matched in a table built
    // from the loaded config with the id filled in.
    const live = harness.gateway.context.catalog.keyRoutes;
    const pinned = { id: pinnedKeyId, name: "pinned", org: "acme" };
    expect(live.find(pinned, "k-model")).toBeNull();

    const config = structuredClone(harness.gateway.context.loaded.config);
    config.keyRouting![1]!.keys = [pinnedKeyId];
    const { KeyRouteTable } = await import("../../runtime/routing/key-routes.ts");
    const { resolveTargetList } = await import("../../runtime/config/models.ts");
    const table = new KeyRouteTable(config.keyRouting!,
      (written) => resolveTargetList(config, written));
    const found = table.find(pinned, "k-model");
    expect(found?.index).toBe(1);
    expect(found?.matchedKey).toBe(pinnedKeyId);
    expect(found?.targets).toBeNull();
    expect(table.find(pinned, "k-cached")).toBeNull();
  });
});

describe("config checks", () => {
  function load(keyRouting: unknown): void {
    validateConfig({
      providers: {
        openai: { type: "openai", baseUrl: "http://127.0.0.1:9/v1" },
        anthropic: { type: "anthropic", baseUrl: "http://127.0.0.1:9" },
      },
      models: {
        "gpt-a": { targets: [{ provider: "openai", upstreamModel: "a" }] },
        "embed-a": { provider: "openai", upstreamModel: "e", kind: "embedding" },
      },
      keyRouting,
    }, "/tmp/nexus.config.yaml");
  }

  test("unknown provider in override targets", () => {
    expect(() => load([{
      keys: ["k"], org: "acme", models: ["gpt-*"], routing: { strategy: "single" },
      targets: [{ provider: "nope", upstreamModel: "x" }],
    }])).toThrow('invalid field /keyRouting/0/targets/0/provider: unknown provider "nope"');
  });

  test("bad target reference", () => {
    expect(() => load([{
      keys: ["k"], org: "acme", models: ["gpt-*"],
      routing: { strategy: "policy", policy: { rules: [{ label: "x", targets: [3] }] } },
    }])).toThrow('/keyRouting/0/routing/policy/rules/0/targets/0: names no target: 3 ' +
      '(targets of model "gpt-a")');
  });

  test("glob that matches no model", () => {
    expect(() => load([{
      keys: ["k"], org: "acme", models: ["claude-*"], routing: { strategy: "single" },
    }])).toThrow(ConfigError);
  });

  test("key name without org", () => {
    expect(() => load([{ keys: ["batch"], models: ["gpt-*"], routing: { strategy: "single" } }]))
      .toThrow('invalid field /keyRouting/0/org: missing: key "batch" is matched by name');
  });

  test("key ids need no org", () => {
    expect(() => load([{
      keys: ["key_0123456789abcdef"], models: ["gpt-*"], routing: { strategy: "single" },
    }])).not.toThrow();
  });

  test("embedding model sent to chat-only provider", () => {
    expect(() => load([{
      keys: ["k"], org: "acme", models: ["*"], routing: { strategy: "single" },
      targets: [{ provider: "anthropic", upstreamModel: "claude" }],
    }])).toThrow('invalid field /keyRouting/0/targets/0/provider: matches embedding model ' +
      '"embed-a", but provider type "anthropic" has no embeddings API');
  });

  test("chat-only provider for chat models", () => {
    expect(() => load([{
      keys: ["k"], org: "acme", models: ["gpt-*"], routing: { strategy: "single" },
      targets: [{ provider: "anthropic", upstreamModel: "claude" }],
    }])).not.toThrow();
  });

  test("missing routing", () => {
    expect(() => load([{ keys: ["k"], org: "acme", models: ["gpt-*"] }]))
      .toThrow("/keyRouting/0/routing");
  });
});

describe("cache miss", () => {
  test("goes through routing", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 503 });
    const miss = await chat(plainKey, "k-cached", "cache me");
    expect(miss.status).toBe(200);
    const detail = await detailOf(miss);
    expect(detail.cache).toBe("miss");
    expect((detail.route as { provider: string }[]).map((step) => step.provider))
      .toEqual(["openai", "anthropic"]);

    const hit = await chat(plainKey, "k-cached", "cache me");
    expect(hit.status).toBe(200);
    expect((await detailOf(hit)).cache).toBe("hit");
    expect(providersCalled()).toEqual(["openai", "anthropic"]);
  });

  test("key covers the chosen absplit arm", async () => {
    // Find two cohorts that land on different targets.
    const arms = new Map<string, string>();
    for (let cohort = 0; arms.size < 2 && cohort < 32; cohort += 1) {
      const response = await chat(plainKey, "k-split", `probe ${cohort}`,
        { "x-cohort": `c${cohort}` });
      await response.arrayBuffer();
      const provider = providersCalled().at(-1)!;
      if (![...arms.values()].includes(provider)) arms.set(`c${cohort}`, provider);
    }
    expect(arms.size).toBe(2);
    const [first, second] = [...arms.keys()];

    const a = await chat(plainKey, "k-split", "same prompt", { "x-cohort": first! });
    expect((await detailOf(a)).cache).toBe("miss");
    const b = await chat(plainKey, "k-split", "same prompt", { "x-cohort": second! });
    expect((await detailOf(b)).cache).toBe("miss");
    const again = await chat(plainKey, "k-split", "same prompt", { "x-cohort": first! });
    expect((await detailOf(again)).cache).toBe("hit");
  });

  test("key override keeps its own cache key", async () => {
    const plain = await chat(plainKey, "k-cached", "override prompt");
    expect((await detailOf(plain)).cache).toBe("miss");
    const batch = await chat(batchKey, "k-cached", "override prompt");
    expect(batch.status).toBe(200);
    expect((await detailOf(batch)).cache).toBe("miss");
    expect(providersCalled()).toEqual(["openai", "anthropic"]);
  });
});
