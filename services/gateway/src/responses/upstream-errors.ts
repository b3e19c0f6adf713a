import { NexusError } from "../../../../runtime/errors/nexus-error.ts";

/** Builds the 502 for a Responses upstream body that is not the documented shape. */
export function invalidResponsesUpstream(reason: string, cause?: unknown): NexusError {
  return new NexusError(
    "upstream_invalid_response",
    `The provider sent an invalid Responses answer: ${reason}`,
    { status: 502, type: "api_error", cause },
  );
}
