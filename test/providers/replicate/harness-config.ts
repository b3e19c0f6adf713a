/**
 * Replicate providers and models for startHarness({ extra }), all on the simulator. The
 * `simulator/*` models pick a scenario of the simulated predictions (replicate-scenario.ts).
 */

import { SIMULATOR_KEY_ENV } from "../../support/harness.ts";

/** Deadline of the `replicate-short` provider, in ms: long enough for two polls, no more. */
export const SHORT_TIMEOUT_MS = 800;

export function replicateExtra(simulatorUrl: string): {
  providers: Record<string, unknown>;
  models: Record<string, unknown>;
} {
  const provider = (timeoutMs: number) => ({
    type: "replicate",
    baseUrl: `${simulatorUrl}/replicate/v1`,
    apiKeyEnv: SIMULATOR_KEY_ENV,
    timeoutMs,
    streamIdleTimeoutMs: 1000,
  });
  const price = { inputPerMTok: 0.65, outputPerMTok: 2.75 };
  const model = (upstreamModel: string, providerId = "replicate") => ({
    provider: providerId,
    upstreamModel,
    price,
  });
  return {
    providers: {
      replicate: provider(3000),
      "replicate-short": provider(SHORT_TIMEOUT_MS),
    },
    models: {
      "llama-test": model("meta/meta-llama-3-70b-instruct"),
      "llama-fails": model("simulator/fails"),
      "llama-foreign": model("simulator/foreign-urls"),
      "llama-stalls": model("simulator/stalls", "replicate-short"),
      "llama-stalls-long": model("simulator/stalls"),
    },
  };
}
