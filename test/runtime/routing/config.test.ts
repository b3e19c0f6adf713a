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
});
