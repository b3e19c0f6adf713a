import { invalidUpstream } from "../../../../runtime/providers/anthropic/upstream-errors.ts";
import { toUsage } from "../../../../runtime/providers/anthropic/usage.ts";
import type { AnthropicUsage } from "../../../../runtime/providers/anthropic/wire.ts";
import type { Principal } from "../../../../runtime/hooks/stage.ts";
import { admitRequest } from "../admit.ts";
import { checkAnswer, translateToScan } from "../compliance/check.ts";
import type { GatewayContext } from "../context.ts";
import type { Exchange } from "../exchange.ts";
import { openCapture } from "../capture.ts";
import { relayOptions } from "../relay-options.ts";
import { RequestRecord } from "../request-record.ts";
import { relayStream } from "../stream-relay.ts";
import type { Attempted } from "../routing/attempt-target.ts";
import { messagesFingerprint, messagesItems, messagesShape } from
  "../cache/messages-answer.ts";
import { planAnswerCache } from "../cache/plan.ts";
import { routedCacheServe, serveCached } from "../cache/serve-cached.ts";
import { routeCacheTarget } from "../routing/cache-target.ts";
import { planRoute } from "../routing/plan-route.ts";
import { routedUpstream } from "../routing/routed-upstream.ts";
import type { UpstreamAbort } from "../upstream/call.ts";
import { failUpstream } from "./fail-request.ts";
import { type MessagesBody, validateMessagesBody } from "./messages-body.ts";
import type { MessagesEvent } from "./messages-events.ts";
import { messagesHeaders, messagesStreamHeaders } from "./messages-headers.ts";
import { messagesEventFormat } from "./messages-stream.ts";
import { type MessagesReply, routeMessages } from "./messages-route.ts";
import { serveTranslatedMessages } from "./messages-translated.ts";
import { StreamUsage } from "./messages-usage.ts";

const ROUTE = "/v1/messages";
/** The chat route's default, so a provider behaves the same behind either route. */
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
    const admitted = await admitRequest(context, request, exchange, record,
      validateMessagesBody, "chat");
    const { body, principal, key } = admitted;
    await capture?.request(body, principal);
    // A passthrough stream cannot be scanned, so with response stages it is translated.
    const scanStream = translateToScan(context, record, body.stream === true, principal,
      admitted.passthrough);
    const plan = planRoute({
      context, headers: request.headers, record, resolved: admitted.resolved, key, body,
      model: body.model, labels: admitted.labels,
    });

    const callInput = { body, clientHeaders: request.headers, key, record, scanStream };
    const cached = routedCacheServe(context, request, record, ROUTE, plan.resolved,
      planAnswerCache(context, admitted, request.headers, record, {
        api: "messages",
        stream: body.stream === true,
        fingerprint: messagesFingerprint(body, request.headers, scanStream,
          routeCacheTarget(plan)),
      }));
    exchange.holdOpen();
    if (cached !== null) {
      return await serveCached({
        ...cached,
        stream: body.stream === true,
        upstream: routedUpstream((signal, addSecret) => routeMessages(
          { context, record, plan, signal, addSecret }, callInput), messagesItems),
        shape: messagesShape({ context, record, principal, clientModel: body.model }),
      });
    }
    const routed = await routeMessages({ context, record, plan, signal: request.signal },
      callInput);
    abort = routed.abort;
    return await serveMessages(context, record, routed, body, principal);
  } catch (error) {
    return failUpstream(context, record, abort, error, "anthropic");
  }
}

/**
 * Answers the client from a routed attempt: an Anthropic target's answer relayed, or another
 * target's translated back into Anthropic's shapes.
 */
export async function serveMessages(
  context: GatewayContext,
  record: RequestRecord,
  routed: Attempted<MessagesReply>,
  body: MessagesBody,
  principal: Principal | null,
): Promise<Response> {
  const { reply } = routed;
  if (reply.kind === "translated") {
    return await serveTranslatedMessages(context, record, { ...routed, reply: reply.chat },
      principal);
  }
  if (reply.start.kind === "json") {
    return await answerJson(context, record, reply.start.json, body, principal);
  }
  const idleTimeoutMs = routed.resolved.provider.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS;
  const { first, rest } = reply.start;
  return startStream(context, record, first, rest, body, routed.abort, idleTimeoutMs);
}

async function answerJson(
  context: GatewayContext,
  record: RequestRecord,
  answer: unknown,
  body: MessagesBody,
  principal: Principal | null,
): Promise<Response> {
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

/**
 * Relays an Anthropic stream whose first event the routing step already read, so a failure
 * before any content still reached the client as an HTTP error with its real status.
 */
function startStream(
  context: GatewayContext,
  record: RequestRecord,
  first: IteratorResult<MessagesEvent>,
  iterator: AsyncIterator<MessagesEvent>,
  body: MessagesBody,
  abort: UpstreamAbort,
  idleTimeoutMs: number,
): Response {
  const usage = new StreamUsage(record);
  const format = messagesEventFormat(body.model, usage);
  const stream = relayStream(first, iterator, format, relayOptions(context, record, abort, {
    route: ROUTE,
    idleTimeoutMs,
    onComplete: () => usage.settle(),
  }));
  return new Response(stream, { headers: messagesStreamHeaders(record) });
}
