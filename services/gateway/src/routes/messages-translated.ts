import type { Principal } from "../../../../runtime/hooks/stage.ts";
import { checkAnswer } from "../compliance/check.ts";
import { scanChatStream } from "../compliance/scan-chunks.ts";
import type { ChatChunk } from "../../../../runtime/canonical/chat.ts";
import type { DecodeContext, ProviderCodec } from "../../../../runtime/providers/codec.ts";
import type { GatewayContext } from "../context.ts";
import { encodeMessage } from "../messages/encode-message.ts";
import { translatedEventFormat } from "../messages/stream-format.ts";
import { relayOptions } from "../relay-options.ts";
import type { RequestRecord } from "../request-record.ts";
import { relayStream } from "../stream-relay.ts";
import type { UpstreamAbort } from "../upstream/call.ts";
import type { ChatAttempt } from "../routing/chat-attempt.ts";
import { resumeStream } from "../routing/resume-stream.ts";
import { messagesHeaders, messagesStreamHeaders } from "./messages-headers.ts";

const ROUTE = "/v1/messages";
/** The chat route's default, so a provider behaves the same behind either route. */
const DEFAULT_STREAM_IDLE_MS = 300_000;

/**
 * Answers a Messages request that a target of another format served: the canonical chat
 * answer or stream of the routed attempt is translated back into Anthropic's shapes.
 */
export function serveTranslatedMessages(
  context: GatewayContext,
  record: RequestRecord,
  routed: ChatAttempt,
  principal: Principal | null,
): Promise<Response> {
  const { codec, abort, resolved } = routed;
  const { start, decodeContext } = routed.reply;
  if (start.kind === "stream") {
    const idleTimeoutMs = resolved.provider.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS;
    return startStream(context, record, resumeStream(start.first, start.rest), decodeContext,
      abort, idleTimeoutMs, principal);
  }
  return answerJson(context, record, codec, start.json, decodeContext, principal);
}

async function answerJson(
  context: GatewayContext,
  record: RequestRecord,
  codec: ProviderCodec,
  json: unknown,
  decodeContext: DecodeContext,
  principal: Principal | null,
): Promise<Response> {
  const answer = codec.decodeChatResponse(json, decodeContext);
  record.setUsage(answer.usage);
  const message = encodeMessage(answer, decodeContext.clientModel);
  record.capture?.response(message);
  await checkAnswer(context, record, principal, decodeContext.clientModel, message);
  record.finish(200, null);
  return Response.json(message, { headers: messagesHeaders(record) });
}

async function startStream(
  context: GatewayContext,
  record: RequestRecord,
  decoded: AsyncIterable<ChatChunk>,
  decodeContext: DecodeContext,
  abort: UpstreamAbort,
  idleTimeoutMs: number,
  principal: Principal | null,
): Promise<Response> {
  const chunks = scanChatStream(context, record, principal, decodeContext.clientModel, decoded);
  const iterator = chunks[Symbol.asyncIterator]();

  // Wait for the first chunk before sending headers, so a failure that comes before any content
  // still reaches the client as an HTTP error with its real status. The routing step already
  // read the provider's first chunk, so this waits only for the compliance scan.
  const first: IteratorResult<ChatChunk> = await iterator.next();
  abort.clearDeadline();

  const format = translatedEventFormat(decodeContext.clientModel, record);
  const body = relayStream(first, iterator, format, relayOptions(context, record, abort, {
    route: ROUTE,
    idleTimeoutMs,
  }));
  return new Response(body, { headers: messagesStreamHeaders(record) });
}
