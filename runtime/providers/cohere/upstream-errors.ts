import { NexusError } from "../../errors/nexus-error.ts";
import { invalidUpstreamFor } from "../shared/invalid-upstream.ts";

/** Builds the 502 raised when Cohere sends a body that is not the documented shape. */
export const invalidUpstream = invalidUpstreamFor("Cohere");

/** Builds the 502 raised when Cohere ends a generation with finish_reason ERROR. */
export function generationFailed(): NexusError {
  return new NexusError(
    "upstream_error",
    "Cohere error: the generation failed (finish_reason ERROR); retry the request.",
    { status: 502, type: "api_error" },
  );
}
