import type { EmbeddingRequest } from "../../../../runtime/canonical/embeddings.ts";
import { EmbeddingRequestSchema } from "../../../../runtime/canonical/request-schema.ts";
import { createValidator } from "../../../../runtime/canonical/validate.ts";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import { codecFor } from "../../../../runtime/providers/registry.ts";
import { admitRequest } from "../admit.ts";
import type { GatewayContext } from "../context.ts";
import type { Exchange } from "../exchange.ts";
import { openCapture } from "../capture.ts";
import { RequestRecord } from "../request-record.ts";
import { callUpstream, UpstreamAbort } from "../upstream/call.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";
import { rejectFailedUpstream } from "../upstream/reject-failed.ts";
import { targetFor } from "../upstream/target.ts";
import { failUpstream } from "./fail-request.ts";

const ROUTE = "/v1/embeddings";
const DEFAULT_TIMEOUT_MS = 120_000;
const validateEmbeddingRequest = createValidator<EmbeddingRequest>(EmbeddingRequestSchema);

/** `POST /v1/embeddings`, to a model configured with `kind: embedding`. */
export async function handleEmbeddings(
  context: GatewayContext,
  request: Request,
  exchange: Exchange,
): Promise<Response> {
  const record = new RequestRecord(context, exchange.ids, ROUTE);
  const capture = openCapture(context, record, request);
  let abort: UpstreamAbort | null = null;
  try {
    const { body, resolved } = await admitRequest(context, request, exchange, record,
      validateEmbeddingRequest, "embedding");
    await capture?.request(body);

    const codec = codecFor(resolved.provider.type);
    if (codec.encodeEmbeddingRequest === undefined || codec.decodeEmbeddingResponse === undefined) {
      throw new NexusError(
        "unsupported_parameter",
        `Provider type '${codec.type}' has no embeddings API.`,
        { status: 400, type: "invalid_request_error", param: "model" },
      );
    }
    const target = targetFor(resolved);
    record.addTargetSecrets(target);
    const upstreamRequest = codec.encodeEmbeddingRequest(body, target);
    exchange.holdOpen();
    abort = new UpstreamAbort(
      request.signal,
      resolved.provider.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      resolved.providerId,
    );
    const upstream = await callUpstream(upstreamRequest, abort, {
      codec, target, stream: false,
      addSecret: (value) => record.addSecret(value),
    });
    record.addDetail("upstream_status", upstream.status);
    await rejectFailedUpstream(upstream, codec);

    const json = await readUpstreamJson(upstream, abort, resolved.providerId);
    abort.clearDeadline();
    const answer = codec.decodeEmbeddingResponse(json, body.model, body.encoding_format);
    record.setUsage({
      prompt_tokens: answer.usage.prompt_tokens,
      completion_tokens: 0,
      total_tokens: answer.usage.total_tokens,
    });
    capture?.response(answer);
    record.finish(200, null);
    return Response.json(answer, { headers: record.responseHeaders() });
  } catch (error) {
    return failUpstream(context, record, abort, error);
  }
}
