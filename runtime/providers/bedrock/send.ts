/** The Bedrock transport: authenticates the final request, then sends it once. */

import type { SendContext, Target, UpstreamRequest } from "../codec.ts";
import { EVENT_STREAM_TYPE } from "./encode-request.ts";
import { authenticate } from "./sign.ts";

export async function send(
  request: UpstreamRequest,
  target: Target,
  context: SendContext,
): Promise<Response> {
  const response = await context.fetch(await authenticate(request, target));
  if (!context.stream || !response.ok) return response;

  const contentType = response.headers.get("content-type") ?? "";
  if (!contentType.startsWith(EVENT_STREAM_TYPE) || response.body === null) return response;

  // The gateway's stream check knows one stream type, `text/event-stream`. This transport has
  // checked that the body is an AWS event stream, so it labels it for that check; the decoder
  // reads the binary frames as they are.
  const headers = new Headers(response.headers);
  headers.set("content-type", "text/event-stream");
  return new Response(response.body, { status: response.status, headers });
}
