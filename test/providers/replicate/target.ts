import type { Target } from "../../../runtime/providers/codec.ts";

/** Builds a Replicate target as the gateway builds it from the config. */
export function replicateTarget(overrides: Partial<Target> = {}): Target {
  return {
    provider: "replicate",
    baseUrl: "https://api.replicate.com/v1",
    apiKey: "r8_test_token",
    headers: {},
    upstreamModel: "meta/meta-llama-3-70b-instruct",
    ...overrides,
  };
}
