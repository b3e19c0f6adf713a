import { NexusError } from "../../errors/nexus-error.ts";

/** Builds the 502 raised when Gemini sends a body that is not the documented shape. */
export function invalidUpstream(message: string, cause?: unknown): NexusError {
  const text = `Gemini sent an invalid response: ${message}`;
  return new NexusError("upstream_invalid_response", text, {
    status: 502,
    type: "api_error",
    cause,
  });
}
