import { NexusError } from "../errors/nexus-error.ts";

/**
 * Builds the error for a stream that ended, or broke, before the provider's final event. The
 * message names no wire event (`[DONE]`, `message_stop`), because the client may speak
 * another API than the provider.
 */
export function streamCutError(cause: unknown = null): NexusError {
  return new NexusError(
    "upstream_stream_cut",
    "The upstream stream ended early, before its final event, so the answer is incomplete.",
    { status: 502, type: "api_error", cause },
  );
}

/**
 * Reports whether an error thrown while reading an upstream body is a broken connection (as
 * opposed to a NexusError from decoding, or an abort the gateway started itself and maps
 * itself: client gone, timeout).
 */
export function isBrokenRead(error: unknown): boolean {
  if (error instanceof NexusError) return false;
  if (!(error instanceof Error)) return true;
  return error.name !== "AbortError" && error.name !== "TimeoutError";
}
