import { invalidUpstream } from "../../../../runtime/providers/anthropic/upstream-errors.ts";
import { toUsage } from "../../../../runtime/providers/anthropic/usage.ts";
import type { AnthropicUsage } from "../../../../runtime/providers/anthropic/wire.ts";
import { codecFor } from "../../../../runtime/providers/registry.ts";
import type { Principal } from "../../../../runtime/hooks/stage.ts";
import { admitRequest } from "../admit.ts";
import { checkAnswer, translateToScan } from "../compliance/check.ts";
import type { GatewayContext } from "../context.ts";
import type { Exchange } from "../exchange.ts";
import { openCapture } from "../capture.ts";
import { relayOptions } from "../relay-options.ts";
import { RequestRecord } from "../request-record.ts";
import { relayStream } from "../stream-relay.ts";
import { callUpstream, UpstreamAbort } from "../upstream/call.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";
import { requireEventStream } from "../upstream/require-event-stream.ts";
import { targetFor } from "../upstream/target.ts";
import { failUpstream } from "./fail-request.ts";
import { type MessagesBody, validateMessagesBody } from "./messages-body.ts";
import { readMessagesEvents } from "./messages-events.ts";
import { messagesHeaders, messagesStreamHeaders } from "./messages-headers.ts";
import { messagesEventFormat } from "./messages-stream.ts";
import { handleTranslatedMessages } from "./messages-translated.ts";
import { StreamUsage } from "./messages-usage.ts";
import { buildMessagesRequest, rejectFailedMessages } from "./messages-upstream.ts";

const ROUTE = "/v1/messages";
/** The chat route's defaults, so a provider behaves the same behind either route. */
const DEFAULT_TIMEOUT_MS = 600_000;
const DEFAULT_STREAM_IDLE_MS = 300_000;

/**
 * `POST /v1/messages`: the Anthropic Messages API, JSON or SSE, for every chat model. For an
 * Anthropic-format provider the body is relayed as the client wrote it, and only `model`
 * changes. For any other provider it is translated through the canonical chat shape (see
 * `messages-translated.ts`). Errors use Anthropic's error shape.
 */
export async function handleMessages(
  context: GatewayContext,
  request: Request,
  exchange: Exchange,
): Promise<Response> {
  const record = new RequestRecord(context, exchange.ids, ROUTE);
  const capture = openCapture(context, record, request);
  let abort: UpstreamAbort | null = null;
  try {
    const { body, resolved, principal, key, passthrough } = await admitRequest(context,
      request, exchange, record, validateMessagesBody, "chat");
    await capture?.request(body, principal);
    // A passthrough stream cannot be scanned, so with response stages it is translated.
    const scannedStream = translateToScan(context, record, body.stream === true, principal,
      passthrough);
    if (resolved.provider.type !== "anthropic" || scannedStream) {
      const admitted = { body, resolved, principal, key };
      return await handleTranslatedMessages(context, request, exchange, record, admitted);
    }

    const codec = codecFor(resolved.provider.type);
    const target = targetFor(resolved);
    record.addTargetSecrets(target);
    const upstreamRequest = buildMessagesRequest(body, request.headers, target);
    exchange.holdOpen();
    abort = new UpstreamAbort(request.signal, resolved.provider.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      resolved.providerId);
    const upstream = await callUpstream(upstreamRequest, abort, {
      codec, target, stream: body.stream === true,
      addSecret: (value) => record.addSecret(value),
    });
    record.addDetail("upstream_status", upstream.status);
    await rejectFailedMessages(upstream);

    if (body.stream === true) {
      const idleTimeoutMs = resolved.provider.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS;
      return await startStream(context, record, upstream, body, abort, idleTimeoutMs);
    }
    return await answerJson(context, record, upstream, body, abort, principal);
  } catch (error) {
    return failUpstream(context, record, abort, error, "anthropic");
  }
}

async function answerJson(
  context: GatewayContext,
  record: RequestRecord,
  upstream: Response,
  body: MessagesBody,
  abort: UpstreamAbort,
  principal: Principal | null,
): Promise<Response> {
  const answer = await readUpstreamJson(upstream, abort, record.provider ?? "");
  abort.clearDeadline();
  if (typeof answer !== "object" || answer === null || Array.isArray(answer)) {
    throw invalidUpstream("the message is not a JSON object.");
  }

  const message = answer as Record<string, unknown>;
  message.model = body.model;
  if (typeof message.usage === "object" && message.usage !== null) {
    record.setUsage(toUsage(message.usage as AnthropicUsage));
  }
  record.capture?.response(message);
  await checkAnswer(context, record, principal, body.model, message);
  record.finish(200, null);
  return Response.json(message, { headers: messagesHeaders(record) });
}

async function startStream(
  context: GatewayContext,
  record: RequestRecord,
  upstream: Response,
  body: MessagesBody,
  abort: UpstreamAbort,
  idleTimeoutMs: number,
): Promise<Response> {
  const source = await requireEventStream(upstream);
  const iterator = readMessagesEvents(source)[Symbol.asyncIterator]();

  // Wait for the first event before sending headers, so a failure that comes before any content
  // still reaches the client as an HTTP error with its real status.
  const first = await iterator.next();
  abort.clearDeadline();

  const usage = new StreamUsage(record);
  const format = messagesEventFormat(body.model, usage);
  const stream = relayStream(first, iterator, format, relayOptions(context, record, abort, {
    route: ROUTE,
    idleTimeoutMs,
    onComplete: () => usage.settle(),
  }));
  return new Response(stream, { headers: messagesStreamHeaders(record) });
}
