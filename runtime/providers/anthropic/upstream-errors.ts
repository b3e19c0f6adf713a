import { invalidUpstreamFor } from "../shared/invalid-upstream.ts";

/** Builds the 502 raised when Anthropic sends a body that is not the documented shape. */
export const invalidUpstream = invalidUpstreamFor("Anthropic");
