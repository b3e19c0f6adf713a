import { NexusError } from "../../errors/nexus-error.ts";

/** Builds the 502 raised when Bedrock sends a body that is not the documented shape. */
export function invalidUpstream(message: string, cause?: unknown): NexusError {
  const text = `Bedrock sent an invalid response: ${message}`;
  return new NexusError("upstream_invalid_response", text, {
    status: 502,
    type: "api_error",
    cause,
  });
}
