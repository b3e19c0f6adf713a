import { describe, expect, test } from "bun:test";
import { ConfigError, validateConfig } from "../../../runtime/config/load.ts";
import { ModelCatalog } from "../../../runtime/config/models.ts";

function configWith(models: Record<string, unknown>) {
  return {
    providers: {
      primary: { type: "openai", baseUrl: "http://127.0.0.1:9/v1" },
      backup: { type: "anthropic", baseUrl: "http://127.0.0.1:9" },
    },
    models,
  };
}

function loadError(models: Record<string, unknown>): string {
  try {
    validateConfig(configWith(models), "/tmp/nexus.config.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("config was accepted");
}

describe("routing config", () => {
  test("targets resolve in order", () => {
    const { config } = validateConfig(configWith({
      chat: {
        targets: [
          { provider: "primary", upstreamModel: "gpt-4o" },
          { provider: "backup", upstreamModel: "claude", weight: 3 },
        ],
        routing: { strategy: "fallback", retries: { attempts: 2, baseMs: 100, maxMs: 1000 } },
      },
    }), "/tmp/nexus.config.yaml");
    const resolved = new ModelCatalog(config).find("chat");
    expect(resolved?.providerId).toBe("primary");
    expect(resolved?.model.upstreamModel).toBe("gpt-4o");
    expect(resolved?.targets.map((t) => [t.providerId, t.upstreamModel, t.weight])).toEqual([
      ["primary", "gpt-4o", 1],
      ["backup", "claude", 3],
    ]);
    expect(resolved?.routing?.strategy).toBe("fallback");
  });

  test("single-provider form still works", () => {
    const { config } = validateConfig(configWith({
      chat: { provider: "backup", upstreamModel: "claude" },
    }), "/tmp/nexus.config.yaml");
    const resolved = new ModelCatalog(config).find("chat");
    expect(resolved?.targets).toHaveLength(1);
    expect(resolved?.targets[0]?.providerId).toBe("backup");
    expect(resolved?.routing).toBeUndefined();
  });

  test("unknown target provider names its path", () => {
    const message = loadError({
      chat: {
        targets: [
          { provider: "primary", upstreamModel: "gpt-4o" },
          { provider: "nowhere", upstreamModel: "x" },
        ],
      },
    });
    expect(message).toContain("/models/chat/targets/1/provider");
    expect(message).toContain('unknown provider "nowhere"');
  });

  test("unknown single provider names its path", () => {
    const message = loadError({ chat: { provider: "nowhere", upstreamModel: "x" } });
    expect(message).toContain("/models/chat/provider");
  });

  test("both forms at once are rejected", () => {
    const message = loadError({
      chat: {
        provider: "primary",
        upstreamModel: "gpt-4o",
        targets: [{ provider: "backup", upstreamModel: "claude" }],
      },
    });
    expect(message).toContain("not both");
  });

  test("neither form is rejected", () => {
    expect(loadError({ chat: { aliases: ["c"] } })).toContain("/models/chat/provider");
    expect(loadError({ chat: { provider: "primary" } })).toContain("/models/chat/upstreamModel");
  });

  test("invalid routing fields are rejected", () => {
    const target = [{ provider: "primary", upstreamModel: "gpt-4o" }];
    expect(loadError({ chat: { targets: target, routing: { strategy: "random" } } }))
      .toContain("/models/chat/routing/strategy");
    expect(loadError({ chat: { targets: [] } })).toContain("/models/chat/targets");
    expect(loadError({
      chat: { targets: target, routing: { strategy: "fallback", retryOn: ["often"] } },
    })).toContain("/models/chat/routing/retryOn/0");
    expect(loadError({
      chat: { targets: [{ provider: "primary", upstreamModel: "m", weight: 0 }] },
    })).toContain("/models/chat/targets/0/weight");
  });

  test("strategy settings and target regions load", () => {
    const { config } = validateConfig(configWith({
      chat: {
        targets: [
          { provider: "primary", upstreamModel: "gpt-4o", region: "us",
            price: { inputPerMTok: 2.5, outputPerMTok: 10 } },
          { provider: "backup", upstreamModel: "claude", region: "eu" },
        ],
        routing: {
          strategy: "policy",
          policy: { rules: [{ label: "confidential", regions: ["eu"] }], default: [0] },
          conditional: {
            rules: [{ when: { header: { name: "x-tier", in: ["gold"] } }, targets: ["backup"] }],
          },
          absplit: { key: { header: "x-user-id" } },
          smart: { latencyWeight: 1, errorWeight: 2, priceWeight: 0.5, alpha: 0.2 },
        },
      },
    }), "/tmp/nexus.config.yaml");
    const resolved = new ModelCatalog(config).find("chat");
    expect(resolved?.targets.map((t) => t.region)).toEqual(["us", "eu"]);
    expect(resolved?.targets[0]?.price).toEqual({ inputPerMTok: 2.5, outputPerMTok: 10 });
    expect(resolved?.targets[1]?.price).toBeUndefined();
  });

  test("invalid strategy settings are rejected", () => {
    const target = [{ provider: "primary", upstreamModel: "gpt-4o" }];
    expect(loadError({
      chat: { targets: target, routing: { strategy: "absplit", absplit: { key: "cookie" } } },
    })).toContain("/models/chat/routing/absplit/key");
    expect(loadError({
      chat: { targets: target, routing: { strategy: "smart", smart: { alpha: 0 } } },
    })).toContain("/models/chat/routing/smart/alpha");
    expect(loadError({
      chat: {
        targets: target,
        routing: { strategy: "conditional", conditional: { rules: [{ when: {}, targets: [] }] } },
      },
    })).toContain("/models/chat/routing/conditional/rules/0/targets");
  });

  test("rule naming no target is rejected", () => {
    const targets = [{ provider: "primary", upstreamModel: "gpt-4o" }];
    const rules = [{ when: { model: { equals: "x" } }, targets: [0, 1] }];
    expect(loadError({
      chat: { targets, routing: { strategy: "conditional", conditional: { rules } } },
    })).toContain("/models/chat/routing/conditional/rules/0/targets/1: names no target: 1");
    expect(loadError({
      chat: {
        targets,
        routing: { strategy: "policy", policy: { rules: [{ label: "x" }], default: ["backup"] } },
      },
    })).toContain("/models/chat/routing/policy/default/0: names no target: backup");
  });
});
