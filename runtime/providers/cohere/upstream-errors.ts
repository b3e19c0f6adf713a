import { NexusError } from "../../errors/nexus-error.ts";

/** Builds the 502 raised when Cohere sends a body that is not the documented shape. */
export function invalidUpstream(message: string, cause?: unknown): NexusError {
  const text = `Cohere sent an invalid response: ${message}`;
  return new NexusError("upstream_invalid_response", text, {
    status: 502,
    type: "api_error",
    cause,
  });
}

/** Builds the 502 raised when Cohere ends a generation with finish_reason ERROR. */
export function generationFailed(): NexusError {
  return new NexusError(
    "upstream_error",
    "Cohere error: the generation failed (finish_reason ERROR); retry the request.",
    { status: 502, type: "api_error" },
  );
}
