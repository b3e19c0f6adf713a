import { describe, expect, test } from "bun:test";
import { validateConfig } from "../../runtime/config/load.ts";

function load(rule: Record<string, unknown>): void {
  validateConfig({
    providers: { openai: { type: "openai", baseUrl: "http://127.0.0.1:9/v1" } },
    models: {
      "gpt-4o": { provider: "openai", upstreamModel: "gpt-4o", aliases: ["gpt-latest"] },
    },
    quotas: {
      rules: [{ window: "day", limit: { tokens: 100 }, mode: "hard", ...rule }],
    },
  }, "/tmp/nexus.config.yaml");
}

describe("quota rule match check", () => {
  test("misspelt model is rejected", () => {
    expect(() => load({ axis: "model", match: "gtp-4o" }))
      .toThrow('invalid field /quotas/rules/0/match: unknown model "gtp-4o"');
  });

  test("alias names its model", () => {
    expect(() => load({ axis: "model", match: "gpt-latest" }))
      .toThrow('"gpt-latest" is an alias; quota rules match the configured name "gpt-4o"');
  });

  test("unknown provider is rejected", () => {
    expect(() => load({ axis: "provider", match: "opnai" }))
      .toThrow('invalid field /quotas/rules/0/match: unknown provider "opnai"');
  });

  test("known names and star pass", () => {
    expect(() => load({ axis: "model", match: "gpt-4o" })).not.toThrow();
    expect(() => load({ axis: "provider", match: "openai" })).not.toThrow();
    expect(() => load({ axis: "model", match: "*" })).not.toThrow();
    expect(() => load({ axis: "org", match: "anything" })).not.toThrow();
  });
});
