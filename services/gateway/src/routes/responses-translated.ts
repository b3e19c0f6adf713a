import type { ChatChunk, ChatRequest } from "../../../../runtime/canonical/chat.ts";
import type { DecodeContext, ProviderCodec } from "../../../../runtime/providers/codec.ts";
import { codecFor } from "../../../../runtime/providers/registry.ts";
import { checkAnswer } from "../compliance/check.ts";
import { scanChatStream } from "../compliance/scan-chunks.ts";
import { applyParamPolicy } from "../param-policy.ts";
import { relayOptions } from "../relay-options.ts";
import { toChatRequest } from "../responses/decode-request.ts";
import { toResponseObject } from "../responses/encode-response.ts";
import { newItemId } from "../responses/ids.ts";
import { ResponsesStreamWriter } from "../responses/stream-writer.ts";
import { translatedEventFormat } from "../responses/translated-format.ts";
import { relayStream } from "../stream-relay.ts";
import type { UpstreamAbort } from "../upstream/call.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";
import { requireEventStream } from "../upstream/require-event-stream.ts";
import { targetFor } from "../upstream/target.ts";
import {
  eventStreamHeaders,
  type ResponsesCall,
  sendUpstream,
  streamIdleTimeout,
} from "./responses-call.ts";

const ROUTE = "/v1/responses";

/**
 * Serves a Responses request through a provider's chat codec, as the chat route does: the
 * request becomes a canonical chat request, and the answer or chunk stream becomes a
 * `response` object or the Responses event sequence.
 */
export async function translateResponses(call: ResponsesCall): Promise<Response> {
  const { body, resolved, record } = call;
  const codec = codecFor(resolved.provider.type);
  const target = targetFor(resolved);
  record.addTargetSecrets(target);
  const chatRequest = applyParamPolicy(toChatRequest(body), codec, target, call.key, record);
  const upstreamRequest = codec.encodeChatRequest(chatRequest, target);

  const { upstream, abort } = await sendUpstream(call, upstreamRequest, codec, target);
  const decodeContext: DecodeContext = { clientModel: body.model, request: chatRequest };
  if (body.stream === true) return await startStream(call, codec, upstream, decodeContext, abort);

  const json = await readUpstreamJson(upstream, abort, resolved.providerId);
  abort.clearDeadline();
  const answer = codec.decodeChatResponse(json, decodeContext);
  record.setUsage(answer.usage);
  const response = toResponseObject(answer, body);
  record.capture?.response(response);
  await checkAnswer(call.context, record, call.principal, body.model, response);
  record.finish(200, null);
  return Response.json(response, { headers: record.responseHeaders() });
}

async function startStream(
  call: ResponsesCall,
  codec: ProviderCodec,
  upstream: Response,
  decodeContext: DecodeContext & { request: ChatRequest },
  abort: UpstreamAbort,
): Promise<Response> {
  const { context, record, body } = call;
  const source = await requireEventStream(upstream);
  const decoded = codec.decodeChatStream(source, decodeContext);
  const chunks = scanChatStream(context, record, call.principal, body.model, decoded);
  const iterator = chunks[Symbol.asyncIterator]();

  // Wait for the first chunk before sending headers, so a failure that comes before any content
  // still reaches the client as an HTTP error with its real status.
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
