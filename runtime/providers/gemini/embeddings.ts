/**
 * Embeddings through Gemini `batchEmbedContents`: one request contains every input. Gemini returns
 * floats only, so `encoding_format: "base64"` is produced here the way OpenAI does it, as the
 * little-endian float32 bytes of the vector in base64.
 */

import type { EmbeddingRequest, EmbeddingResponse } from "../../canonical/embeddings.ts";
import type { Target, UpstreamRequest } from "../codec.ts";
import { buildHeaders, modelUrl } from "./encode-request.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
import { invalidUpstream } from "./upstream-errors.ts";

interface EmbedContentRequest {
  model: string;
  content: { parts: { text: string }[] };
  outputDimensionality?: number;
}

export function encodeEmbeddingRequest(
  request: EmbeddingRequest,
  target: Target,
): UpstreamRequest {
  const model = `models/${target.upstreamModel}`;
  const requests = inputTexts(request.input).map((text): EmbedContentRequest => {
    const entry: EmbedContentRequest = { model, content: { parts: [{ text }] } };
    if (typeof request.dimensions === "number") entry.outputDimensionality = request.dimensions;
    return entry;
  });

  return {
    url: `${modelUrl(target)}:batchEmbedContents`,
    method: "POST",
    headers: buildHeaders(target),
    // The wanted encoding is not sent: the decoder reads it from the client request instead.
    body: JSON.stringify({ requests }),
  };
}

/** Gemini embeds text only; token id arrays (OpenAI's pre-tokenised input) have no twin. */
function inputTexts(input: EmbeddingRequest["input"]): string[] {
  if (typeof input === "string") return [input];
  if (Array.isArray(input) && input.every((item) => typeof item === "string")) {
    if (input.length === 0) throw invalidRequest("input must not be empty.", "input");
    return input as string[];
  }
  throw unsupportedParameter("input", "Gemini embeds text; token id arrays are not accepted.");
}

/**
 * Decodes a `batchEmbedContents` response. `encodingFormat` is the client's `encoding_format`;
 * Gemini returns floats, so the base64 form is made here.
 */
export function decodeEmbeddingResponse(
  body: unknown,
  clientModel: string,
  encodingFormat: EmbeddingRequest["encoding_format"] = "float",
): EmbeddingResponse {
  const embeddings = (body as { embeddings?: unknown } | null)?.embeddings;
  if (!Array.isArray(embeddings)) throw invalidUpstream("the response has no embeddings array.");

  const data = embeddings.map((item: unknown, index) => {
    const values = (item as { values?: unknown } | null)?.values;
    if (!Array.isArray(values) || !values.every((value) => typeof value === "number")) {
      throw invalidUpstream(`embeddings[${index}].values is not an array of numbers.`);
    }
    const vector = values as number[];
    const embedding = encodingFormat === "base64" ? toBase64Float32(vector) : vector;
    return { object: "embedding" as const, index, embedding };
  });

  // batchEmbedContents reports no token counts.
  return { object: "list", data, model: clientModel, usage: { prompt_tokens: 0, total_tokens: 0 } };
}

export function toBase64Float32(vector: number[]): string {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  vector.forEach((value, index) => view.setFloat32(index * 4, value, true));
  return Buffer.from(bytes).toString("base64");
}
