import type { ChatChunk } from "../../../../runtime/canonical/chat.ts";
import { checkAnswer } from "../compliance/check.ts";
import { scanChatStream } from "../compliance/scan-chunks.ts";
import { relayOptions } from "../relay-options.ts";
import { toResponseObject } from "../responses/encode-response.ts";
import { newItemId } from "../responses/ids.ts";
import { ResponsesStreamWriter } from "../responses/stream-writer.ts";
import { translatedEventFormat } from "../responses/translated-format.ts";
import { relayStream } from "../stream-relay.ts";
import type { UpstreamAbort } from "../upstream/call.ts";
import type { ChatAttempt } from "../routing/chat-attempt.ts";
import { resumeStream } from "../routing/resume-stream.ts";
import {
  eventStreamHeaders,
  type ResponsesCall,
  streamIdleTimeout,
} from "./responses-call.ts";

const ROUTE = "/v1/responses";

/**
 * Serves a Responses request through a provider's chat codec, as the chat route does: the
 * request becomes a canonical chat request, and the answer or chunk stream becomes a
 * `response` object or the Responses event sequence.
 */
export async function translateResponses(
  call: ResponsesCall,
  routed: ChatAttempt,
): Promise<Response> {
  const { body, record } = call;
  const { codec, abort } = routed;
  const { start, decodeContext } = routed.reply;
  if (start.kind === "stream") {
    return await startStream(call, resumeStream(start.first, start.rest), abort);
  }

  const answer = codec.decodeChatResponse(start.json, decodeContext);
  record.setUsage(answer.usage);
  const response = toResponseObject(answer, body);
  record.capture?.response(response);
  await checkAnswer(call.context, record, call.principal, body.model, response);
  record.finish(200, null);
  return Response.json(response, { headers: record.responseHeaders() });
}

async function startStream(
  call: ResponsesCall,
  decoded: AsyncIterable<ChatChunk>,
  abort: UpstreamAbort,
): Promise<Response> {
  const { context, record, body } = call;
  const chunks = scanChatStream(context, record, call.principal, body.model, decoded);
  const iterator = chunks[Symbol.asyncIterator]();

  // Wait for the first chunk before sending headers, so a failure that comes before any content
  // still reaches the client as an HTTP error with its real status. The routing step already
  // read the provider's first chunk, so this waits only for the compliance scan.
  const first: IteratorResult<ChatChunk> = await iterator.next();
  abort.clearDeadline();

  const createdAt = Math.floor(Date.now() / 1000);
  const writer = new ResponsesStreamWriter({ id: newItemId("resp"), createdAt, body });
  const format = translatedEventFormat(writer, record);
  const stream = relayStream(first, iterator, format, relayOptions(context, record, abort, {
    route: ROUTE,
    idleTimeoutMs: streamIdleTimeout(call),
  }));
  return new Response(stream, { headers: eventStreamHeaders(record) });
}
