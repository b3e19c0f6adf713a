import type { EmbeddingRequest, EmbeddingResponse } from "../../canonical/embeddings.ts";
import { NexusError } from "../../errors/nexus-error.ts";
import type { Target, UpstreamRequest } from "../codec.ts";
import { isRecord } from "./is-record.ts";
import { buildUpstreamRequest } from "./upstream-request.ts";

/** Encodes a canonical embeddings request for `/embeddings`, changing only `model`. */
export function encodeEmbeddingRequest(
  request: EmbeddingRequest,
  target: Target,
): UpstreamRequest {
  return buildUpstreamRequest(target, "/embeddings", { ...request, model: target.upstreamModel });
}

/**
 * Decodes an `/embeddings` response and reports the client's model name. Vectors pass through
 * as sent, so a vector requested with `encoding_format: "base64"` stays a base64 string.
 */
export function decodeEmbeddingResponse(body: unknown, clientModel: string): EmbeddingResponse {
  if (!isRecord(body) || !Array.isArray(body.data)) {
    throw new NexusError(
      "upstream_invalid_response",
      "The upstream embeddings response is not a JSON object with a `data` array.",
      { status: 502, type: "api_error" },
    );
  }
  return { ...(body as unknown as EmbeddingResponse), model: clientModel };
}
