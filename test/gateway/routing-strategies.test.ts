import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, SIMULATOR_KEY_ENV, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;

const CLAUDE = "claude-sonnet-4-5-20250929";
const OPENAI = { provider: "openai", upstreamModel: "gpt-4o-mini" };
const ANTHROPIC = { provider: "anthropic", upstreamModel: CLAUDE };

/** Labels a request `confidential` when it mentions a codename. */
const COMPLIANCE = {
  defaultPipeline: "default",
  pipelines: {
    default: {
      request: [
        { stage: "keyword_filter", words: ["codename"], action: "redact" },
        { stage: "classification", rules: [{ label: "confidential", kinds: ["keyword:*"] }] },
      ],
    },
  },
};

beforeAll(async () => {
  harness = await startHarness({
    extra: (url) => ({
      compliance: COMPLIANCE,
      // Providers only `routed-smart` uses, so that no other test's traffic enters their stats.
      providers: {
        "openai-smart": {
          type: "openai", baseUrl: `${url}/openai/v1`, apiKeyEnv: SIMULATOR_KEY_ENV,
        },
        "anthropic-smart": {
          type: "anthropic", baseUrl: `${url}/anthropic`, apiKeyEnv: SIMULATOR_KEY_ENV,
        },
      },
      models: {
        "routed-conditional": {
          targets: [OPENAI, ANTHROPIC],
          routing: {
            strategy: "conditional",
            conditional: {
              rules: [{ when: { header: { name: "x-tier", equals: "gold" } }, targets: [1] }],
              default: ["openai"],
            },
          },
        },
        "routed-split": {
          targets: [OPENAI, ANTHROPIC],
          routing: { strategy: "absplit", absplit: { key: { header: "x-user-id" } } },
        },
        "routed-policy": {
          targets: [{ ...OPENAI, region: "us" }, { ...ANTHROPIC, region: "eu" }],
          routing: {
            strategy: "policy",
            policy: { rules: [{ label: "confidential", regions: ["eu"] }], default: [0] },
          },
        },
        "routed-policy-us": {
          targets: [{ ...OPENAI, region: "us" }],
          routing: {
            strategy: "policy",
            policy: { rules: [{ label: "confidential", regions: ["eu"] }] },
          },
        },
        "routed-smart": {
          targets: [
            { ...OPENAI, provider: "openai-smart" },
            { ...ANTHROPIC, provider: "anthropic-smart" },
          ],
          routing: {
            strategy: "smart",
            smart: { latencyWeight: 1, errorWeight: 10, priceWeight: 0 },
          },
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

function chat(model: string, headers: Record<string, string> = {}, content = "hello") {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content }] }),
  });
}

async function detailOf(response: Response): Promise<Record<string, unknown>> {
  const event = await harness.event(response.headers.get("x-request-id") ?? "");
  expect(event).toBeDefined();
  return event!.detail;
}

function lastProvider(): string | undefined {
  return harness.simulator.requests.at(-1)?.provider;
}

describe("conditional routing", () => {
  test("header rule picks its target", async () => {
    const gold = await chat("routed-conditional", { "x-tier": "gold" });
    expect(gold.status).toBe(200);
    expect(lastProvider()).toBe("anthropic");
    expect((await detailOf(gold)).route_reason).toEqual({ strategy: "conditional", rule: 0 });

    const plain = await chat("routed-conditional");
    expect(plain.status).toBe(200);
    expect(lastProvider()).toBe("openai");
    expect((await detailOf(plain)).route_reason)
      .toEqual({ strategy: "conditional", rule: "default" });
  });
});

describe("absplit routing", () => {
  test("same user sticks to one target", async () => {
    const seen = new Set<string>();
    for (let user = 0; user < 12; user += 1) {
      const providers = new Set<string | undefined>();
      for (let repeat = 0; repeat < 3; repeat += 1) {
        const response = await chat("routed-split", { "x-user-id": `user-${user}` });
        expect(response.status).toBe(200);
        const reason = (await detailOf(response)).route_reason as Record<string, unknown>;
        expect(reason.keyed).toBe(true);
        providers.add(lastProvider());
      }
      expect(providers.size).toBe(1);
      seen.add([...providers][0]!);
    }
    // Twelve users all in one of two equal buckets would happen once in 2,048 runs.
    expect(seen).toEqual(new Set(["openai", "anthropic"]));
  });
});

describe("policy routing", () => {
  test("confidential request goes to the eu target", async () => {
    const secret = await chat("routed-policy", {}, "the codename is blue");
    expect(secret.status).toBe(200);
    expect(lastProvider()).toBe("anthropic");
    const detail = await detailOf(secret);
    expect(detail.classification).toEqual(["confidential"]);
    expect(detail.route_reason).toEqual({ strategy: "policy", rule: 0, label: "confidential" });

    const plain = await chat("routed-policy");
    expect(plain.status).toBe(200);
    expect(lastProvider()).toBe("openai");
  });

  test("no allowed target rejects", async () => {
    const before = harness.simulator.requests.length;
    const response = await chat("routed-policy-us", {}, "the codename is blue");
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("data_classified");
    expect(harness.simulator.requests.length).toBe(before);
  });
});

describe("smart routing", () => {
  test("failing target moves back", async () => {
    harness.simulator.enqueue({ match: { provider: "openai" }, status: 500 });
    const first = await chat("routed-smart");
    expect(first.status).toBe(200);
    const firstRoute = (await detailOf(first)).route as { provider: string }[];
    expect(firstRoute.map((step) => step.provider)).toEqual(["openai-smart", "anthropic-smart"]);

    const second = await chat("routed-smart");
    expect(second.status).toBe(200);
    expect(lastProvider()).toBe("anthropic");
    // openai-smart: latency 0 (no success yet) plus 10 times an error rate of 1.
    const reason = (await detailOf(second)).route_reason as { scores: number[] };
    expect(reason.scores).toEqual([10, 1]);
  });
});
