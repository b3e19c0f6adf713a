/**
 * Embeddings through Vertex `:predict` for Google's text embedding models: one instance per
 * input text, one prediction per instance with its vector and token count. Vertex returns
 * floats only, so `encoding_format: "base64"` is produced here, as the Gemini codec does.
 */

import type { EmbeddingRequest, EmbeddingResponse } from "../../canonical/embeddings.ts";
import type { Target, UpstreamRequest } from "../codec.ts";
import { toBase64Float32 } from "../gemini/embeddings.ts";
import { invalidUpstream } from "../gemini/upstream-errors.ts";
import { invalidRequest, unsupportedParameterFor } from "../request-errors.ts";
import { publisherOf, vertexHeaders, vertexModelUrl } from "./model-url.ts";

const unsupportedParameter = unsupportedParameterFor("Vertex AI");

interface PredictBody {
  instances: { content: string }[];
  parameters?: { outputDimensionality: number };
}

export function encodeEmbeddingRequest(
  request: EmbeddingRequest,
  target: Target,
): UpstreamRequest {
  if (publisherOf(target.upstreamModel) === "anthropic") {
    throw unsupportedParameter("model", "Claude models have no embeddings API.");
  }

  const instances = inputTexts(request.input).map((content) => ({ content }));
  const body: PredictBody = { instances };
  if (typeof request.dimensions === "number") {
    body.parameters = { outputDimensionality: request.dimensions };
  }
  return {
    url: `${vertexModelUrl(target, "google")}:predict`,
    method: "POST",
    headers: vertexHeaders(target),
    // The client's encoding_format is not sent: the decoder reads it from the client request.
    body: JSON.stringify(body),
  };
}

/** Vertex embeds text only; token id arrays (OpenAI's pre-tokenised input) have no twin. */
function inputTexts(input: EmbeddingRequest["input"]): string[] {
  if (typeof input === "string") return [input];
  if (Array.isArray(input) && input.every((item) => typeof item === "string")) {
    if (input.length === 0) throw invalidRequest("input must not be empty.", "input");
    return input as string[];
  }
  throw unsupportedParameter("input", "Vertex AI embeds text; token id arrays are not accepted.");
}

/** Decodes `predictions[].embeddings`; the prompt token count is the sum of their statistics. */
export function decodeEmbeddingResponse(
  body: unknown,
  clientModel: string,
  encodingFormat: EmbeddingRequest["encoding_format"] = "float",
): EmbeddingResponse {
  const predictions = (body as { predictions?: unknown } | null)?.predictions;
  if (!Array.isArray(predictions)) throw invalidUpstream("the response has no predictions array.");

  let tokens = 0;
  const data = predictions.map((prediction: unknown, index) => {
    const embeddings = (prediction as { embeddings?: PredictedEmbedding } | null)?.embeddings;
    const values = embeddings?.values;
    if (!Array.isArray(values) || !values.every((value) => typeof value === "number")) {
      throw invalidUpstream(`predictions[${index}].embeddings.values is not an array of numbers.`);
    }
    const count = embeddings?.statistics?.token_count;
    if (typeof count === "number") tokens += count;

    const vector = values as number[];
    const embedding = encodingFormat === "base64" ? toBase64Float32(vector) : vector;
    return { object: "embedding" as const, index, embedding };
  });

  return {
    object: "list",
    data,
    model: clientModel,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

interface PredictedEmbedding {
  values?: unknown;
  statistics?: { token_count?: unknown };
}
