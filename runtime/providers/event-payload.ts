import type { NexusError } from "../errors/nexus-error.ts";
import { parseSse } from "./sse.ts";

/** Builds a provider's `upstream_invalid_response` error from a reason. */
export type InvalidUpstream = (reason: string, cause?: unknown) => NexusError;

/**
 * Parses one stream event's data as a JSON object, or throws the provider's invalid-response
 * error. `unwrapSingleArray` accepts an object framed as a one-element array, as Google's JSON
 * streams frame errors.
 */
export function parseEventObject(
  data: string,
  invalid: InvalidUpstream,
  unwrapSingleArray = false,
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (error) {
    throw invalid(`a stream event is not JSON: ${data.slice(0, 200)}`, error);
  }

  const value = unwrapSingleArray && Array.isArray(parsed) && parsed.length === 1
    ? parsed[0]
    : parsed;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid("a stream event is not a JSON object.");
  }
  return value as Record<string, unknown>;
}

/**
 * Yields the events of an SSE body whose JSON `type` names each event (Anthropic, Cohere),
 * parsed as objects. The SSE `event:` line repeats the name and is the fallback.
 */
export async function* parseTypedEvents(
  body: ReadableStream<Uint8Array>,
  invalid: InvalidUpstream,
): AsyncGenerator<{ type: string; payload: Record<string, unknown> }> {
  for await (const event of parseSse(body)) {
    const payload = parseEventObject(event.data, invalid);
    yield { type: typeof payload.type === "string" ? payload.type : event.event, payload };
  }
}
