/**
 * What a simulated Replicate prediction does, chosen by the model it runs, so that one
 * gateway config can exercise every path. Models of the owner `simulator`:
 *
 * - `simulator/fails`: the prediction fails (status `failed`; its stream sends an `error`
 *   event after the first piece of output);
 * - `simulator/stalls`: the prediction stays `processing` until it is canceled. (To stall a
 *   stream, queue a behaviour with `hangAfterEvents` for the path `/stream`.);
 * - `simulator/foreign-urls`: the `urls` point at `localhost` instead of the address the
 *   request came to. That is the same simulator under another origin, so a gateway that
 *   wrongly follows them shows up in `sim.requests`.
 *
 * Any other model succeeds after two polls: `starting` on create, `processing` on the first
 * poll, `succeeded` on the second.
 */

export type Scenario = "succeeds" | "fails" | "stalls" | "foreign-urls";

const SCENARIOS: Record<string, Scenario> = {
  "simulator/fails": "fails",
  "simulator/stalls": "stalls",
  "simulator/foreign-urls": "foreign-urls",
};

export function scenarioFor(model: string): Scenario {
  return SCENARIOS[model] ?? "succeeds";
}

/** The `error` a failing prediction reports. */
export const FAILURE_MESSAGE = "CUDA out of memory while generating; try fewer max_tokens.";
