import { NexusError } from "../../../../runtime/errors/nexus-error.ts";

/**
 * Returns the body of a provider's response to a stream request, or throws when the response
 * is not an event stream (a JSON body, an empty body), which no stream decoder could read.
 */
export async function requireEventStream(upstream: Response): Promise<ReadableStream<Uint8Array>> {
  const contentType = upstream.headers.get("content-type") ?? "";
  if (upstream.body !== null && contentType.includes("text/event-stream")) return upstream.body;

  await upstream.body?.cancel().catch(() => undefined);
  throw new NexusError(
    "upstream_invalid_response",
    `The provider answered a stream request with '${contentType || "no content type"}' ` +
      "instead of an event stream.",
    { status: 502, type: "api_error" },
  );
}
