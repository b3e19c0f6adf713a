import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ConfigError, loadConfig, validateConfig } from "../../runtime/config/load.ts";
import { ModelCatalog } from "../../runtime/config/models.ts";
import { compileModelScope } from "../../runtime/identity/keys/model-scope.ts";
import { costInUsd } from "../../runtime/quota/cost.ts";
import { REPO_ROOT } from "../support/fixtures.ts";

const provider = { type: "openai", baseUrl: "http://127.0.0.1:1/v1", apiKeyEnv: "X_KEY" };

function expectConfigError(raw: unknown, fragment: string): void {
  expect(() => validateConfig(raw, "/tmp/c.yaml")).toThrow(ConfigError);
  expect(() => validateConfig(raw, "/tmp/c.yaml")).toThrow(fragment);
}

describe("config", () => {
  test("shipped config is valid", async () => {
    const loaded = await loadConfig(join(REPO_ROOT, "nexus.config.yaml"));
    expect(loaded.dataDir).toBe(join(REPO_ROOT, "data"));
    expect(new ModelCatalog(loaded.config).find("claude")?.name).toBe("claude-sonnet-4-5");
  });

  test("bad provider type names the path", () => {
    expectConfigError({ providers: { p: { ...provider, type: "nope" } }, models: {} },
      "/providers/p/type");
  });

  test("unknown field names the path", () => {
    expectConfigError({ providers: { p: { ...provider, apiKey: "sk-inline" } }, models: {} },
      "/providers/p");
  });

  test("model with unknown provider is refused", () => {
    expectConfigError({ providers: {}, models: { m: { provider: "ghost", upstreamModel: "x" } } },
      "/models/m/provider");
  });

  test("alias used twice is refused", () => {
    expectConfigError({
      providers: { p: provider },
      models: {
        a: { provider: "p", upstreamModel: "x", aliases: ["same"] },
        b: { provider: "p", upstreamModel: "y", aliases: ["same"] },
      },
    }, '"same"');
  });

  test("bad base URL is refused", () => {
    expectConfigError({ providers: { p: { ...provider, baseUrl: "not a url" } }, models: {} },
      "/providers/p/baseUrl");
  });

  test("missing file is a clear error", async () => {
    await expect(loadConfig("/nonexistent/nexus.yaml")).rejects.toThrow("config file not found");
  });
});

describe("model scope globs", () => {
  const table: { patterns: string[]; model: string; allowed: boolean }[] = [
    { patterns: ["*"], model: "anything", allowed: true },
    { patterns: ["gpt-*"], model: "gpt-4o", allowed: true },
    { patterns: ["gpt-*"], model: "claude", allowed: false },
    { patterns: ["gpt-?o"], model: "gpt-4o", allowed: true },
    { patterns: ["a.b"], model: "axb", allowed: false },
    { patterns: ["openai/*"], model: "openai/gpt-4o", allowed: true },
    { patterns: [], model: "x", allowed: false },
  ];
  for (const row of table) {
    test(`${row.patterns.join(",") || "(none)"} vs ${row.model}`, () => {
      expect(compileModelScope(row.patterns)(row.model)).toBe(row.allowed);
    });
  }
});

describe("cost", () => {
  const price = { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3,
    cacheWritePerMTok: 3.75 };

  test("prices cached reads and writes at their own rates", () => {
    const usage = {
      prompt_tokens: 1_000_000 + 2_000_000 + 1_000_000,
      completion_tokens: 1_000_000,
      total_tokens: 5_000_000,
      prompt_tokens_details: { cached_tokens: 2_000_000, cache_write_tokens: 1_000_000 },
    };
    expect(costInUsd(usage, price)).toBeCloseTo(3 + 0.6 + 3.75 + 15, 9);
  });

  test("no price gives null", () => {
    expect(costInUsd({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, undefined))
      .toBeNull();
  });
});
