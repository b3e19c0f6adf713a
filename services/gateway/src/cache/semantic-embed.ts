import type { EmbeddingRequest } from "../../../../runtime/canonical/embeddings.ts";
import type { ModelCatalog } from "../../../../runtime/config/models.ts";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import { codecFor } from "../../../../runtime/providers/registry.ts";
import { callUpstream, UpstreamAbort } from "../upstream/call.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";
import { rejectFailedUpstream } from "../upstream/reject-failed.ts";
import { targetFor } from "../upstream/target.ts";

/** Returns the embedding of one text; throws when the model call fails. */
export type Embedder = (text: string, signal: AbortSignal) => Promise<Float32Array>;

/** Maximum characters embedded; longer prompts are cut, which only lowers recall. */
const MAX_CHARS = 32_000;

/**
 * Returns an embedder that calls a configured embedding model through the gateway's own codecs
 * and credentials, without an HTTP round trip through the gateway. Throws at boot when the
 * model is not configured, is not of kind `embedding`, or its provider has no embeddings API.
 */
export function embedderFor(
  catalog: ModelCatalog,
  modelName: string,
  timeoutMs: number,
): Embedder {
  const resolved = catalog.find(modelName);
  if (resolved === undefined) {
    throw new Error(`cache.semantic: embedding model "${modelName}" is not configured`);
  }
  if (resolved.model.kind !== "embedding") {
    throw new Error(`cache.semantic: model "${modelName}" is not of kind "embedding"`);
  }
  const codec = codecFor(resolved.provider.type);
  const { encodeEmbeddingRequest, decodeEmbeddingResponse } = codec;
  if (encodeEmbeddingRequest === undefined || decodeEmbeddingResponse === undefined) {
    throw new Error(`cache.semantic: provider type "${codec.type}" has no embeddings API`);
  }

  return async (text, signal) => {
    const request: EmbeddingRequest = { model: modelName, input: text.slice(0, MAX_CHARS) };
    const target = targetFor(resolved);
    const abort = new UpstreamAbort(signal, timeoutMs, resolved.providerId);
    try {
      const upstream = await callUpstream(encodeEmbeddingRequest(request, target), abort,
        { codec, target, stream: false, addSecret: () => undefined });
      await rejectFailedUpstream(upstream, codec);
      const json = await readUpstreamJson(upstream, abort, resolved.providerId);
      const answer = decodeEmbeddingResponse(json, modelName, "float");
      return toVector(answer.data[0]?.embedding);
    } finally {
      abort.clearDeadline();
    }
  };
}

function toVector(embedding: number[] | string | undefined): Float32Array {
  const valid = Array.isArray(embedding) && embedding.length > 0 &&
    embedding.every((value) => typeof value === "number" && Number.isFinite(value));
  if (!valid) {
    throw new NexusError("upstream_invalid_response",
      "The embedding model returned no vector of finite numbers.",
      { status: 502, type: "api_error" });
  }
  return Float32Array.from(embedding);
}
