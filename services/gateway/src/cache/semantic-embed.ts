import type { Usage } from "../../../../runtime/canonical/chat.ts";
import type { EmbeddingRequest } from "../../../../runtime/canonical/embeddings.ts";
import type { ModelCatalog, ResolvedModel } from "../../../../runtime/config/models.ts";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import { codecFor } from "../../../../runtime/providers/registry.ts";
import { callUpstream, UpstreamAbort } from "../upstream/call.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";
import { rejectFailedUpstream } from "../upstream/reject-failed.ts";
import { targetFor } from "../upstream/target.ts";

/** The embedding of one text and the provider's usage of the call. */
export interface Embedding {
  vector: Float32Array;
  usage: Usage;
}

/** The embedding model of the semantic cache, and a call to it. */
export interface Embedder {
  /** The configured model name, as a client would request it. */
  modelName: string;
  resolved: ResolvedModel;
  /** Returns the embedding of one text; throws when the model call fails. */
  embed(text: string, signal: AbortSignal, addSecret: (value: string) => void): Promise<Embedding>;
}

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

  const embed = async (
    text: string,
    signal: AbortSignal,
    addSecret: (value: string) => void,
  ): Promise<Embedding> => {
    const request: EmbeddingRequest = { model: modelName, input: text.slice(0, MAX_CHARS) };
    const target = targetFor(resolved);
    const abort = new UpstreamAbort(signal, timeoutMs, resolved.providerId);
    try {
      const upstream = await callUpstream(encodeEmbeddingRequest(request, target), abort,
        { codec, target, stream: false, addSecret });
      await rejectFailedUpstream(upstream, codec);
      const json = await readUpstreamJson(upstream, abort, resolved.providerId);
      const answer = decodeEmbeddingResponse(json, modelName, "float");
      const vector = toVector(answer.data[0]?.embedding);
      const usage: Usage = {
        prompt_tokens: answer.usage.prompt_tokens,
        completion_tokens: 0,
        total_tokens: answer.usage.total_tokens,
      };
      return { vector, usage };
    } finally {
      abort.clearDeadline();
    }
  };
  return { modelName, resolved, embed };
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
