/**
 * Encodes an OpenAI embeddings request as a Voyage `POST /v1/embeddings` request. The fields
 * `input_type`, `truncation` and `output_dtype` are Voyage's own and pass through when the
 * client sets them. OpenAI's `user` has no Voyage counterpart and is dropped.
 */

import type { EmbeddingRequest } from "../../canonical/embeddings.ts";
import type { Target, UpstreamRequest } from "../codec.ts";
import { buildHeaders, endpoint } from "./headers.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
import type { VoyageEmbedRequest, VoyageInputType, VoyageOutputDtype } from "./wire.ts";

const INPUT_TYPES: readonly VoyageInputType[] = ["query", "document"];
const OUTPUT_DTYPES: readonly VoyageOutputDtype[] = ["float", "int8", "uint8", "binary", "ubinary"];

export function encodeEmbeddingRequest(request: EmbeddingRequest, target: Target): UpstreamRequest {
  const body: VoyageEmbedRequest = { input: readTexts(request.input), model: target.upstreamModel };

  const inputType = readInputType(request.input_type);
  if (inputType !== undefined) body.input_type = inputType;
  if (request.truncation !== undefined) body.truncation = readTruncation(request.truncation);
  if (request.dimensions !== undefined) body.output_dimension = readDimensions(request.dimensions);

  const dtype = readOutputDtype(request.output_dtype);
  if (dtype !== undefined) body.output_dtype = dtype;
  if (readBase64(request.encoding_format)) {
    checkBase64Dtype(dtype);
    body.encoding_format = "base64";
  }

  return {
    url: endpoint(target, "/v1/embeddings"),
    method: "POST",
    headers: buildHeaders(target),
    body: JSON.stringify(body),
  };
}

function readTexts(input: EmbeddingRequest["input"]): string[] {
  const items: unknown[] = Array.isArray(input) ? input : [input];
  if (items.length === 0) throw invalidRequest("input must not be empty.", "input");
  return items.map((item) => {
    if (typeof item === "string") return item;
    throw unsupportedParameter("input", "Voyage embeds text only; send strings, not token ids.");
  });
}

function readInputType(value: unknown): VoyageInputType | null | undefined {
  if (value === undefined || value === null) return value;
  const known = INPUT_TYPES.find((type) => type === value);
  if (known !== undefined) return known;
  const allowed = `${INPUT_TYPES.join(", ")}, or null`;
  throw invalidRequest(`input_type must be one of: ${allowed}.`, "input_type");
}

function readTruncation(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  throw invalidRequest("truncation must be true or false.", "truncation");
}

function readDimensions(value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  throw invalidRequest("dimensions must be a positive integer.", "dimensions");
}

function readOutputDtype(value: unknown): VoyageOutputDtype | undefined {
  if (value === undefined || value === null) return undefined;
  const known = OUTPUT_DTYPES.find((dtype) => dtype === value);
  if (known !== undefined) return known;
  throw invalidRequest(`output_dtype must be one of: ${OUTPUT_DTYPES.join(", ")}.`, "output_dtype");
}

/** Returns whether the client asked for base64 vectors. */
function readBase64(value: unknown): boolean {
  if (value === undefined || value === null || value === "float") return false;
  if (value === "base64") return true;
  throw invalidRequest("encoding_format must be 'float' or 'base64'.", "encoding_format");
}

/**
 * OpenAI clients read a base64 vector as little-endian float32, so base64 of int8 or bit-packed
 * vectors would decode to wrong numbers without any error.
 */
function checkBase64Dtype(dtype: VoyageOutputDtype | undefined): void {
  if (dtype === undefined || dtype === "float") return;
  throw unsupportedParameter(
    "output_dtype",
    `encoding_format 'base64' carries float32 vectors only; drop output_dtype '${dtype}' ` +
      "or request encoding_format 'float'.",
  );
}
