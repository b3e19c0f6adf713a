import { describe, expect, test } from "bun:test";
import { validateConfig } from "../../../runtime/config/load.ts";
import { COMPAT_PROFILES } from "../../../runtime/providers/compat/profiles.ts";
import { codecFor } from "../../../runtime/providers/registry.ts";

function configWith(type: string): unknown {
  return {
    providers: { upstream: { type, baseUrl: "http://127.0.0.1:9/v1", apiKeyEnv: "UPSTREAM_KEY" } },
    models: { "some-model": { provider: "upstream", upstreamModel: "some-model" } },
  };
}

describe("compat profiles in the registry", () => {
  test("profile types are unique", () => {
    const types = COMPAT_PROFILES.map((profile) => profile.type);
    expect(new Set(types).size).toBe(types.length);
    expect(types.length).toBe(11);
  });

  for (const profile of COMPAT_PROFILES) {
    test(`${profile.type} passes config validation`, () => {
      const loaded = validateConfig(configWith(profile.type), "compat.yaml");
      expect(loaded.config.providers.upstream?.type).toBe(profile.type as never);
    });

    test(`${profile.type} resolves to its codec`, () => {
      const codec = codecFor(profile.type);
      expect(codec.type).toBe(profile.type);
      expect(codec.capabilities).toEqual({
        multipleChoices: profile.supportsN,
        embeddings: profile.embeddings,
      });
      expect(codec.encodeEmbeddingRequest !== undefined).toBe(profile.embeddings);
      expect(codec.decodeEmbeddingResponse !== undefined).toBe(profile.embeddings);
    });

    test(`${profile.type} profile is well formed`, () => {
      expect(profile.auth).toBe("bearer");
      expect(URL.canParse(profile.defaultBaseUrl)).toBe(true);
      expect(profile.defaultBaseUrl.startsWith("https://")).toBe(true);
      expect(profile.dropParams).not.toContain("model");
      expect(profile.dropParams).not.toContain("messages");
    });
  }

  test("unknown type fails validation", () => {
    expect(() => validateConfig(configWith("no-such-provider"), "compat.yaml")).toThrow(
      /invalid field \/providers\/upstream\/type/,
    );
  });

  test("unknown type has no codec", () => {
    const unknown = "no-such-provider";
    expect(() => codecFor(unknown)).toThrow(`no codec for provider type "${unknown}"`);
  });
});
