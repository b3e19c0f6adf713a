import type { VirtualKey } from "../../../../runtime/identity/keys/types.ts";
import { applyParamPolicy } from "../param-policy.ts";
import type { Principal } from "../../../../runtime/hooks/stage.ts";
import { checkAnswer } from "../compliance/check.ts";
import { scanChatStream } from "../compliance/scan-chunks.ts";
import type { ChatChunk } from "../../../../runtime/canonical/chat.ts";
import type { ResolvedModel } from "../../../../runtime/config/models.ts";
import type { DecodeContext, ProviderCodec } from "../../../../runtime/providers/codec.ts";
import { codecFor } from "../../../../runtime/providers/registry.ts";
import type { GatewayContext } from "../context.ts";
import type { Exchange } from "../exchange.ts";
import { decodeMessagesRequest } from "../messages/decode-request.ts";
import { encodeMessage } from "../messages/encode-message.ts";
import { validateAnthropicRequest } from "../messages/request-schema.ts";
import { translatedEventFormat } from "../messages/stream-format.ts";
import { targetFormat } from "../messages/target-format.ts";
import { relayOptions } from "../relay-options.ts";
import type { RequestRecord } from "../request-record.ts";
import { relayStream } from "../stream-relay.ts";
import { callUpstream, UpstreamAbort } from "../upstream/call.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";
import { rejectFailedUpstream } from "../upstream/reject-failed.ts";
import { requireEventStream } from "../upstream/require-event-stream.ts";
import { targetFor } from "../upstream/target.ts";
import { failUpstream } from "./fail-request.ts";
import type { MessagesBody } from "./messages-body.ts";
import { messagesHeaders, messagesStreamHeaders } from "./messages-headers.ts";

const ROUTE = "/v1/messages";
/** The chat route's defaults, so a provider behaves the same behind either route. */
const DEFAULT_TIMEOUT_MS = 600_000;
const DEFAULT_STREAM_IDLE_MS = 300_000;

/** The validated body and the resolved model, from admission. */
export interface AdmittedMessages {
  body: MessagesBody;
  resolved: ResolvedModel;
  principal: Principal | null;
  key: VirtualKey;
}

/**
 * Serves a Messages request for a model whose provider speaks another format. The body is
 * translated into the canonical chat request and sent through the provider's codec, and the
 * response or stream is translated back into Anthropic's shapes. Errors before the first byte are
 * Anthropic error responses; the function never throws.
 */
export async function handleTranslatedMessages(
  context: GatewayContext,
  request: Request,
  exchange: Exchange,
  record: RequestRecord,
  admitted: AdmittedMessages,
): Promise<Response> {
  const { body, resolved, principal } = admitted;
  let abort: UpstreamAbort | null = null;
  try {
    const format = targetFormat(resolved.provider.type);
    const decoded = decodeMessagesRequest(validateAnthropicRequest(body), format);

    const codec = codecFor(resolved.provider.type);
    const target = targetFor(resolved);
    record.addTargetSecrets(target);
    const chatRequest = applyParamPolicy(decoded, codec, target, admitted.key, record);
    const upstreamRequest = codec.encodeChatRequest(chatRequest, target);
    exchange.holdOpen();
    abort = new UpstreamAbort(request.signal, resolved.provider.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      resolved.providerId);
    const upstream = await callUpstream(upstreamRequest, abort, {
      codec, target, stream: chatRequest.stream === true,
      addSecret: (value) => record.addSecret(value),
    });
    record.addDetail("upstream_status", upstream.status);
    await rejectFailedUpstream(upstream, codec);

    const decodeContext: DecodeContext = { clientModel: body.model, request: chatRequest };
    if (chatRequest.stream === true) {
      const idleTimeoutMs = resolved.provider.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS;
      return await startStream(context, record, codec, upstream, decodeContext, abort,
        idleTimeoutMs, principal);
    }
    return await answerJson(context, record, codec, upstream, decodeContext, abort, principal);
  } catch (error) {
    return failUpstream(context, record, abort, error, "anthropic");
  }
}

async function answerJson(
  context: GatewayContext,
  record: RequestRecord,
  codec: ProviderCodec,
  upstream: Response,
  decodeContext: DecodeContext,
  abort: UpstreamAbort,
  principal: Principal | null,
): Promise<Response> {
  const json = await readUpstreamJson(upstream, abort, record.provider ?? "");
  abort.clearDeadline();
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
  codec: ProviderCodec,
  upstream: Response,
  decodeContext: DecodeContext,
  abort: UpstreamAbort,
  idleTimeoutMs: number,
  principal: Principal | null,
): Promise<Response> {
  const source = await requireEventStream(upstream);
  const decoded = codec.decodeChatStream(source, decodeContext);
  const chunks = scanChatStream(context, record, principal, decodeContext.clientModel, decoded);
  const iterator = chunks[Symbol.asyncIterator]();

  // Wait for the first chunk before sending headers, so a failure that comes before any content
  // still reaches the client as an HTTP error with its real status.
  const first: IteratorResult<ChatChunk> = await iterator.next();
  abort.clearDeadline();

  const format = translatedEventFormat(decodeContext.clientModel, record);
  const body = relayStream(first, iterator, format, relayOptions(context, record, abort, {
    route: ROUTE,
    idleTimeoutMs,
  }));
  return new Response(body, { headers: messagesStreamHeaders(record) });
}
