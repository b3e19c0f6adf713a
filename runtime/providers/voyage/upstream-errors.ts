import { NexusError } from "../../errors/nexus-error.ts";

/** Builds the 502 raised when Voyage sends a body that is not the documented shape. */
export function invalidUpstream(message: string): NexusError {
  return new NexusError(
    "upstream_invalid_response",
    `Voyage sent an invalid response: ${message}`,
    { status: 502, type: "api_error" },
  );
}
