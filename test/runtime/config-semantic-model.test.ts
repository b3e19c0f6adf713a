import { describe, expect, test } from "bun:test";
import { ConfigError, validateConfig } from "../../runtime/config/load.ts";

function load(embeddingModel: string, enabled = true): void {
  validateConfig({
    providers: {
      openai: { type: "openai", baseUrl: "http://127.0.0.1:9/v1" },
      anthropic: { type: "anthropic", baseUrl: "http://127.0.0.1:9" },
    },
    models: {
      "gpt-a": { provider: "openai", upstreamModel: "a" },
      "embed-a": { provider: "openai", upstreamModel: "e", kind: "embedding",
        aliases: ["embed-alias"] },
      "embed-claude": { provider: "anthropic", upstreamModel: "c", kind: "embedding" },
    },
    cache: { enabled: true, semantic: { enabled, embeddingModel } },
  }, "/tmp/nexus.config.yaml");
}

const FIELD = "invalid field /cache/semantic/embeddingModel: ";

describe("semantic embedding model check", () => {
  test("unknown model", () => {
    expect(() => load("embed-nope")).toThrow(ConfigError);
    expect(() => load("embed-nope")).toThrow(`${FIELD}unknown model "embed-nope"`);
  });

  test("chat model", () => {
    expect(() => load("gpt-a")).toThrow(`${FIELD}model "gpt-a" is not of kind "embedding"`);
  });

  test("provider without embeddings", () => {
    expect(() => load("embed-claude")).toThrow(
      `${FIELD}model "embed-claude" is served by provider type "anthropic"`);
  });

  test("embedding model and alias pass", () => {
    expect(() => load("embed-a")).not.toThrow();
    expect(() => load("embed-alias")).not.toThrow();
  });

  test("disabled step is not checked", () => {
    expect(() => load("embed-nope", false)).not.toThrow();
  });
});
