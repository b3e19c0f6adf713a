import type { ResolvedModel } from "../../../../runtime/config/models.ts";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import { invalidUpstream } from "../../../../runtime/providers/anthropic/upstream-errors.ts";
import { toUsage } from "../../../../runtime/providers/anthropic/usage.ts";
import type { AnthropicUsage } from "../../../../runtime/providers/anthropic/wire.ts";
import { codecFor } from "../../../../runtime/providers/registry.ts";
import { admitRequest } from "../admit.ts";
import type { GatewayContext } from "../context.ts";
import type { Exchange } from "../exchange.ts";
import { relayOptions } from "../relay-options.ts";
import { RequestRecord } from "../request-record.ts";
import { relayStream } from "../stream-relay.ts";
import { callUpstream, UpstreamAbort, upstreamFailure } from "../upstream/call.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";
import { requireEventStream } from "../upstream/require-event-stream.ts";
import { targetFor } from "../upstream/target.ts";
import { failRequest } from "./fail-request.ts";
import { type MessagesBody, validateMessagesBody } from "./messages-body.ts";
import { readMessagesEvents } from "./messages-events.ts";
import { messagesEventFormat } from "./messages-stream.ts";
import { StreamUsage } from "./messages-usage.ts";
import { buildMessagesRequest, rejectFailedMessages } from "./messages-upstream.ts";

const ROUTE = "/v1/messages";
/** The chat route's defaults, so a provider behaves the same behind either route. */
const DEFAULT_TIMEOUT_MS = 600_000;
const DEFAULT_STREAM_IDLE_MS = 300_000;

/**
 * `POST /v1/messages`: the Anthropic Messages API, JSON or SSE, for models served by an
 * Anthropic-format provider. The body is relayed as the client wrote it (only `model` changes),
 * and errors use Anthropic's error shape.
 */
export async function handleMessages(
  context: GatewayContext,
  request: Request,
  exchange: Exchange,
): Promise<Response> {
  const record = new RequestRecord(context, exchange.ids, ROUTE);
  let abort: UpstreamAbort | null = null;
  try {
    const { body, resolved } = await admitRequest(context, request, record,
      validateMessagesBody, "chat");
    requireAnthropicFormat(resolved, body.model);

    const codec = codecFor(resolved.provider.type);
    const target = targetFor(resolved);
    record.addTargetSecrets(target);
    const upstreamRequest = buildMessagesRequest(body, request.headers, target);
    exchange.holdOpen();
    abort = new UpstreamAbort(request.signal, resolved.provider.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      resolved.providerId);
    const upstream = await callUpstream(upstreamRequest, abort, {
      codec, target, stream: body.stream === true,
    });
    record.addDetail("upstream_status", upstream.status);
    await rejectFailedMessages(upstream);

    if (body.stream === true) {
      const idleTimeoutMs = resolved.provider.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS;
      return await startStream(context, record, upstream, body, abort, idleTimeoutMs);
    }
    return await answerJson(record, upstream, body, abort);
  } catch (error) {
    abort?.clearDeadline();
    const failure = abort === null ? error : upstreamFailure(error, abort, record.provider ?? "");
    return failRequest(context, record, failure, "anthropic");
  }
}

/** Rejects a model whose provider speaks another wire format, since the body is relayed as is. */
function requireAnthropicFormat(resolved: ResolvedModel, model: string): void {
  if (resolved.provider.type === "anthropic") return;
  throw new NexusError(
    "unsupported_parameter",
    `The model '${model}' is served by a provider of type '${resolved.provider.type}', ` +
      "and /v1/messages currently reaches Anthropic-format providers only. " +
      "Send requests for this model to /v1/chat/completions.",
    { status: 400, type: "invalid_request_error", param: "model" },
  );
}

async function answerJson(
  record: RequestRecord,
  upstream: Response,
  body: MessagesBody,
  abort: UpstreamAbort,
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
  record.finish(200, null);
  return Response.json(message, { headers: responseHeaders(record) });
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
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      ...responseHeaders(record),
    },
  });
}

/** Builds the record's headers plus `request-id`, where the Anthropic SDK reads the id. */
function responseHeaders(record: RequestRecord): Record<string, string> {
  return { ...record.responseHeaders(), "request-id": record.requestId };
}
