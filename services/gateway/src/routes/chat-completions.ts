import type { ChatChunk, ChatRequest } from "../../../../runtime/canonical/chat.ts";
import { ChatRequestSchema } from "../../../../runtime/canonical/request-schema.ts";
import { createValidator } from "../../../../runtime/canonical/validate.ts";
import type { Principal } from "../../../../runtime/hooks/stage.ts";
import { codecFor } from "../../../../runtime/providers/registry.ts";
import { admitRequest } from "../admit.ts";
import { planChatCache } from "../cache/plan.ts";
import { serveChatWithCache } from "../cache/serve.ts";
import type { GatewayContext } from "../context.ts";
import type { Exchange } from "../exchange.ts";
import { openCapture } from "../capture.ts";
import { checkAnswer } from "../compliance/check.ts";
import { scanChatStream } from "../compliance/scan-chunks.ts";
import { applyParamPolicy } from "../param-policy.ts";
import { RequestRecord } from "../request-record.ts";
import { withRequiredNulls } from "../required-nulls.ts";
import { chatChunkFormat } from "../sse-stream.ts";
import { relayOptions } from "../relay-options.ts";
import { relayStream } from "../stream-relay.ts";
import type { ChatAttempt } from "../routing/chat-attempt.ts";
import { resumeStream } from "../routing/resume-stream.ts";
import { resolvedFor } from "../routing/attempt-target.ts";
import { routeCacheTarget } from "../routing/cache-target.ts";
import { planChatRoute, routeChat } from "../routing/route-chat.ts";
import { chatItems, ROUTED_CALL_TIMEOUT_MS, routedUpstream } from "../routing/routed-upstream.ts";
import type { UpstreamAbort } from "../upstream/call.ts";
import { targetFor } from "../upstream/target.ts";
import { failUpstream } from "./fail-request.ts";

const ROUTE = "/v1/chat/completions";
/** Maximum silence from a provider mid-stream, in ms, before the stream counts as stalled. */
const DEFAULT_STREAM_IDLE_MS = 300_000;
const validateChatRequest = createValidator<ChatRequest>(ChatRequestSchema);

/** `POST /v1/chat/completions`: JSON or SSE, to whichever provider serves the model. */
export async function handleChatCompletions(
  context: GatewayContext,
  request: Request,
  exchange: Exchange,
): Promise<Response> {
  const record = new RequestRecord(context, exchange.ids, ROUTE);
  const capture = openCapture(context, record, request);
  let abort: UpstreamAbort | null = null;
  try {
    const admitted = await admitRequest(context, request, exchange, record,
      validateChatRequest, "chat");
    await capture?.request(admitted.body, admitted.principal);
    const routePlan = planChatRoute(context, request, record, admitted);

    // The first planned target's parameter policy applies up front, so a key set to `refuse`
    // is rejected before the cache. Each attempt then applies the policy of its own target.
    const resolved = resolvedFor(admitted.resolved, routePlan.order[0]!);
    const codec = codecFor(resolved.provider.type);
    const target = targetFor(resolved);
    record.addTargetSecrets(target);
    const body = applyParamPolicy(admitted.body, codec, target, admitted.key, record);
    const cachePlan = planChatCache(context, admitted, body, request.headers, record,
      routeCacheTarget(routePlan));
    if (cachePlan !== null && context.cache !== null) {
      exchange.holdOpen();
      const routed = routedUpstream((signal, addSecret) => routeChat({
        context, record, admitted, plan: routePlan, signal, addSecret,
      }), chatItems);
      return await serveChatWithCache({
        context, cache: context.cache, request, record, plan: cachePlan, capture, route: ROUTE,
        principal: admitted.principal, call: { codec, target, resolved, body, record },
        routed: { upstream: routed, timeoutMs: ROUTED_CALL_TIMEOUT_MS },
      });
    }

    exchange.holdOpen();
    const routed = await routeChat({
      context, record, admitted, plan: routePlan, signal: request.signal,
    });
    abort = routed.abort;
    const { start, decodeContext } = routed.reply;
    if (start.kind === "stream") {
      return await startStream(context, record, routed, resumeStream(start.first, start.rest),
        admitted.principal);
    }
    const answer = withRequiredNulls(routed.codec.decodeChatResponse(start.json, decodeContext));
    record.setUsage(answer.usage);
    capture?.response(answer);
    await checkAnswer(context, record, admitted.principal, body.model, answer);
    record.finish(200, null);
    return Response.json(answer, { headers: record.responseHeaders() });
  } catch (error) {
    return failUpstream(context, record, abort, error);
  }
}

async function startStream(
  context: GatewayContext,
  record: RequestRecord,
  routed: ChatAttempt,
  decoded: AsyncIterable<ChatChunk>,
  principal: Principal | null,
): Promise<Response> {
  const { abort } = routed;
  const { decodeContext } = routed.reply;
  const idleTimeoutMs = routed.resolved.provider.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS;
  const chunks = scanChatStream(context, record, principal, decodeContext.clientModel, decoded);
  const iterator = chunks[Symbol.asyncIterator]();

  // Wait for the first chunk before sending headers, so a failure that comes before any content
  // still reaches the client as an HTTP error with its real status. The routing step already
  // read the provider's first chunk, so this waits only for the compliance scan.
  const first: IteratorResult<ChatChunk> = await iterator.next();
  abort.clearDeadline();

  const includeUsage = decodeContext.request.stream_options?.include_usage === true;
  const format = chatChunkFormat(record, includeUsage);
  const body = relayStream(first, iterator, format, relayOptions(context, record, abort, {
    route: ROUTE,
    idleTimeoutMs,
  }));
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      ...record.responseHeaders(),
    },
  });
}
