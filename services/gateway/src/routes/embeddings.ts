import type { EmbeddingRequest } from "../../../../runtime/canonical/embeddings.ts";
import { EmbeddingRequestSchema } from "../../../../runtime/canonical/request-schema.ts";
import { createValidator } from "../../../../runtime/canonical/validate.ts";
import { admitRequest } from "../admit.ts";
import type { GatewayContext } from "../context.ts";
import type { Exchange } from "../exchange.ts";
import { openCapture } from "../capture.ts";
import { RequestRecord } from "../request-record.ts";
import { embeddingsFingerprint, embeddingsItems, embeddingsShape, respondEmbeddings } from
  "../cache/embeddings-answer.ts";
import { planAnswerCache } from "../cache/plan.ts";
import { routedCacheServe, serveCached } from "../cache/serve-cached.ts";
import { routeCacheTarget } from "../routing/cache-target.ts";
import { planRoute } from "../routing/plan-route.ts";
import { routedUpstream } from "../routing/routed-upstream.ts";
import type { UpstreamAbort } from "../upstream/call.ts";
import { routeEmbeddings } from "./embeddings-route.ts";
import { failUpstream } from "./fail-request.ts";

const ROUTE = "/v1/embeddings";
const validateEmbeddingRequest = createValidator<EmbeddingRequest>(EmbeddingRequestSchema);

/**
 * `POST /v1/embeddings`, to a model configured with `kind: embedding`, routed along its
 * targets like every model route.
 */
export async function handleEmbeddings(
  context: GatewayContext,
  request: Request,
  exchange: Exchange,
): Promise<Response> {
  const record = new RequestRecord(context, exchange.ids, ROUTE);
  const capture = openCapture(context, record, request);
  let abort: UpstreamAbort | null = null;
  try {
    const admitted = await admitRequest(context, request, exchange, record,
      validateEmbeddingRequest, "embedding");
    const { body } = admitted;
    await capture?.request(body);
    const plan = planRoute({
      context, headers: request.headers, record, resolved: admitted.resolved, key: admitted.key,
      body, model: body.model, labels: admitted.labels,
    });

    const cached = routedCacheServe(context, request, record, ROUTE, plan.resolved,
      planAnswerCache(context, admitted, request.headers, record, {
        api: "embeddings",
        stream: false,
        fingerprint: embeddingsFingerprint(body, routeCacheTarget(plan)),
      }));
    exchange.holdOpen();
    if (cached !== null) {
      return await serveCached({
        ...cached,
        stream: false,
        upstream: routedUpstream((signal, addSecret) => routeEmbeddings(
          { context, record, plan, signal, addSecret }, body), embeddingsItems),
        shape: embeddingsShape(record),
      });
    }
    const routed = await routeEmbeddings({ context, record, plan, signal: request.signal }, body);
    abort = routed.abort;
    return respondEmbeddings(record, routed.reply);
  } catch (error) {
    return failUpstream(context, record, abort, error);
  }
}
