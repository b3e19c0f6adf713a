import { NexusError } from "../../errors/nexus-error.ts";
import type { InvalidUpstream } from "../event-payload.ts";

/** Returns the builder of the 502 raised when `provider` sends a body of an undocumented shape. */
export function invalidUpstreamFor(provider: string): InvalidUpstream {
  return (message, cause) => {
    const text = `${provider} sent an invalid response: ${message}`;
    return new NexusError("upstream_invalid_response", text, {
      status: 502,
      type: "api_error",
      cause,
    });
  };
}
