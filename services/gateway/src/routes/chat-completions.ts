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
import { routeChat } from "../routing/route-chat.ts";
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
    const { resolved } = admitted;
    await capture?.request(admitted.body, admitted.principal);

    const codec = codecFor(resolved.provider.type);
    const target = targetFor(resolved);
    record.addTargetSecrets(target);
    const body = applyParamPolicy(admitted.body, codec, target, admitted.key, record);
    const cachePlan = planChatCache(context, admitted, body, request.headers, record);
    // NOTE: a request served through the cache goes to the first target only, without routing.
    if (cachePlan !== null && context.cache !== null) {
      exchange.holdOpen();
      return await serveChatWithCache({
        context, cache: context.cache, request, record, plan: cachePlan, capture, route: ROUTE,
        principal: admitted.principal, call: { codec, target, resolved, body, record },
      });
    }
    // Each target re-encodes the request and re-applies the parameter policy for its provider.
    exchange.holdOpen();
    const routed = await routeChat({ context, request, record, admitted });
    abort = routed.abort;
    if (routed.reply.kind === "stream") {
      const { first, rest } = routed.reply;
      return await startStream(context, record, routed, resumeStream(first, rest),
        admitted.principal);
    }
    const answer = withRequiredNulls(
      routed.codec.decodeChatResponse(routed.reply.json, routed.decodeContext),
    );
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
  const { decodeContext, abort } = routed;
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
