import { admitRequest } from "../admit.ts";
import { translateToScan } from "../compliance/check.ts";
import type { GatewayContext } from "../context.ts";
import type { Exchange } from "../exchange.ts";
import { openCapture } from "../capture.ts";
import { RequestRecord } from "../request-record.ts";
import { failUpstream } from "./fail-request.ts";
import { validateResponsesBody } from "./responses-body.ts";
import type { ResponsesCall } from "./responses-call.ts";
import { relayResponses } from "./responses-passthrough.ts";
import { routeResponses } from "./responses-route.ts";
import { translateResponses } from "./responses-translated.ts";
import { planAnswerCache } from "../cache/plan.ts";
import { responsesFingerprint, responsesItems, responsesShape } from
  "../cache/responses-answer.ts";
import { routedCacheServe, serveCached } from "../cache/serve-cached.ts";
import { routeCacheTarget } from "../routing/cache-target.ts";
import { planRoute } from "../routing/plan-route.ts";
import { routedUpstream } from "../routing/routed-upstream.ts";

const ROUTE = "/v1/responses";

/**
 * `POST /v1/responses`: the OpenAI Responses API, JSON or SSE. Requests for an OpenAI provider
 * go to its own `/responses` endpoint unchanged except for the model name. Every other
 * provider gets the request translated into a chat request for its codec, and the answer
 * translated back into a `response` object or Responses stream events. Errors use the OpenAI
 * error shape.
 */
export async function handleResponses(
  context: GatewayContext,
  request: Request,
  exchange: Exchange,
): Promise<Response> {
  const record = new RequestRecord(context, exchange.ids, ROUTE);
  const capture = openCapture(context, record, request);
  let call: ResponsesCall | null = null;
  try {
    const admitted = await admitRequest(context, request, exchange, record,
      validateResponsesBody, "chat");
    const { body, resolved, principal, key } = admitted;
    await capture?.request(body, principal);
    call = { context, request, exchange, record, body, resolved, principal, key, abort: null };

    // A passthrough stream cannot be scanned, so with response stages it is translated.
    const scanStream = translateToScan(context, record, body.stream === true, principal,
      admitted.passthrough);
    const plan = planRoute({
      context, headers: request.headers, record, resolved, key, body, model: body.model,
      labels: admitted.labels,
    });
    const callInput = { body, key, record, scanStream };
    const cached = routedCacheServe(context, request, record, ROUTE, plan.resolved,
      planAnswerCache(context, admitted, request.headers, record, {
        api: "responses",
        stream: body.stream === true,
        fingerprint: responsesFingerprint(body, scanStream, routeCacheTarget(plan)),
      }));
    exchange.holdOpen();
    if (cached !== null) {
      return await serveCached({
        ...cached,
        stream: body.stream === true,
        upstream: routedUpstream((signal, addSecret) => routeResponses(
          { context, record, plan, signal, addSecret }, callInput), responsesItems),
        shape: responsesShape(call),
      });
    }
    const routed = await routeResponses({ context, record, plan, signal: request.signal },
      callInput);
    // From here on the call is the target that answered.
    call.abort = routed.abort;
    call.resolved = routed.resolved;
    const { reply } = routed;
    if (reply.kind === "passthrough") return await relayResponses(call, reply.start);
    return await translateResponses(call, { ...routed, reply: reply.chat });
  } catch (error) {
    return failUpstream(context, record, call?.abort ?? null, error);
  }
}
