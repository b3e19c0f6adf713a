/**
 * Embeddings through Cohere's `POST /v2/embed`. The codec always asks for float embeddings and
 * builds OpenAI's base64 form itself (little-endian float32, as OpenAI sends it), so both
 * `encoding_format` values come out in OpenAI's shape.
 */

import type { EmbeddingRequest, EmbeddingResponse } from "../../canonical/embeddings.ts";
import type { Target, UpstreamRequest } from "../codec.ts";
import { buildHeaders, endpoint } from "./headers.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
import { invalidUpstream } from "./upstream-errors.ts";
import type { CohereEmbedRequest, CohereEmbedResponse } from "./wire.ts";

/** Cohere's input type when the client names none: texts stored for later search. */
export const DEFAULT_INPUT_TYPE = "search_document";

const INPUT_TYPES = ["search_document", "search_query", "classification", "clustering"];

export function encodeEmbeddingRequest(request: EmbeddingRequest, target: Target): UpstreamRequest {
  const body: CohereEmbedRequest = {
    model: target.upstreamModel,
    texts: readTexts(request.input),
    input_type: readInputType(request.input_type),
    embedding_types: ["float"],
  };
  if (typeof request.dimensions === "number") body.output_dimension = request.dimensions;
  if (typeof request.truncate === "string") body.truncate = request.truncate;

  return {
    url: endpoint(target, "/v2/embed"),
    method: "POST",
    headers: buildHeaders(target, false),
    body: JSON.stringify(body),
  };
}

function readTexts(input: EmbeddingRequest["input"]): string[] {
  const items: unknown[] = Array.isArray(input) ? input : [input];
  if (items.length === 0) throw invalidRequest("input must not be empty.", "input");
  return items.map((item) => {
    if (typeof item === "string") return item;
    throw unsupportedParameter("input", "Cohere embeds text only; send strings, not token ids.");
  });
}

function readInputType(value: unknown): string {
  if (value === undefined || value === null) return DEFAULT_INPUT_TYPE;
  if (typeof value === "string" && INPUT_TYPES.includes(value)) return value;
  throw invalidRequest(`input_type must be one of: ${INPUT_TYPES.join(", ")}.`, "input_type");
}

/**
 * Decodes an `embeddings_by_type` response. Cohere reports only billed input tokens, which serve
 * as both counts. `encodingFormat` is the client's `encoding_format`.
 */
export function decodeEmbeddingResponse(
  body: unknown,
  clientModel: string,
  encodingFormat: EmbeddingRequest["encoding_format"] = "float",
): EmbeddingResponse {
  const embeddings = (body as Partial<CohereEmbedResponse> | null)?.embeddings;
  const vectors = embeddings?.float;
  if (!Array.isArray(vectors)) throw invalidUpstream("the response has no float embeddings.");

  const meta = (body as CohereEmbedResponse).meta;
  const tokens = meta?.billed_units?.input_tokens ?? 0;
  return {
    object: "list",
    data: vectors.map((vector, index) => ({
      object: "embedding",
      index,
      embedding: encodingFormat === "base64" ? toBase64(vector) : vector,
    })),
    model: clientModel,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

function toBase64(vector: number[]): string {
  const floats = new Float32Array(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString("base64");
}
