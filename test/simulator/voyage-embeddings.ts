/**
 * The default response of Voyage AI's `POST /v1/embeddings`. It checks the request fields of
 * Voyage's API reference: `input` (a string or up to 1000 strings), `model`, `input_type` (`query`,
 * `document` or null), `truncation`, `output_dimension` (256, 512, 1024 or 2048; 1024 by
 * default), `output_dtype` (float, int8, uint8, binary, ubinary) and `encoding_format`
 * (null or `base64`). Vectors come from a hash of the input type and text, so equal requests
 * get equal vectors and a query differs from a document, as Voyage's prepended prompts make
 * them differ.
 */

import { isRecord, type HandlerContext, type IncomingRequest } from "./incoming-request.ts";
import { unitVector } from "./openai-embeddings.ts";
import { jsonPayload, type Payload } from "./payload.ts";
import { estimateTokens } from "./synthetic-answer.ts";
import { voyageError, voyageErrorFor, voyageHeaders } from "./voyage-errors.ts";

const MAX_INPUTS = 1000;
const DIMENSIONS = [256, 512, 1024, 2048];
const DEFAULT_DIMENSION = 1024;
const DTYPES = ["float", "int8", "uint8", "binary", "ubinary"] as const;
/** Context length of the voyage-3.5 family, in tokens. */
const CONTEXT_TOKENS = 32_000;

type Dtype = (typeof DTYPES)[number];

interface EmbedRequest {
  inputs: string[];
  model: string;
  inputType: string | null;
  dimension: number;
  dtype: Dtype;
  base64: boolean;
}

export function handleVoyageEmbeddings(incoming: IncomingRequest, _context: HandlerContext): Payload {
  const authorization = incoming.headers.get("authorization") ?? "";
  if (!/^Bearer\s+\S+/i.test(authorization)) return voyageError(401, voyageErrorFor(401).detail);

  const request = readRequest(incoming);
  if (typeof request === "string") return voyageError(400, request);

  const tokens = request.inputs.map((input) => estimateTokens(input.length));
  const truncation = (incoming.json as Record<string, unknown>).truncation !== false;
  if (!truncation && tokens.some((count) => count > CONTEXT_TOKENS)) {
    const detail = `Input exceeds the context length of ${CONTEXT_TOKENS} tokens and ` +
      "truncation is false.";
    return voyageError(400, detail);
  }

  const data = request.inputs.map((input, index) => {
    const seed = `${request.inputType ?? "none"}:${input}`;
    const values = quantize(unitVector(seed, request.dimension), request.dtype);
    const embedding = request.base64 ? toBase64(values, request.dtype) : values;
    return { object: "embedding", embedding, index };
  });
  const totalTokens = tokens.reduce((sum, count) => sum + count, 0);
  const body = { object: "list", data, model: request.model, usage: { total_tokens: totalTokens } };
  return jsonPayload(200, voyageHeaders(), body);
}

/** Returns the checked request, or the `detail` message of a 400. */
function readRequest(incoming: IncomingRequest): EmbedRequest | string {
  const body = incoming.json;
  if (incoming.jsonError !== undefined || !isRecord(body)) {
    return `Request body is not a JSON object (${incoming.jsonError ?? "wrong type"}).`;
  }

  const inputs = typeof body.input === "string" ? [body.input] : body.input;
  const strings = Array.isArray(inputs) && inputs.every((item) => typeof item === "string");
  if (!strings || inputs.length === 0) return "input must be a string or a non-empty list of strings.";
  if (inputs.length > MAX_INPUTS) return `input may hold at most ${MAX_INPUTS} texts.`;
  if (typeof body.model !== "string" || !body.model.startsWith("voyage-")) {
    return `Model ${String(body.model)} is not supported.`;
  }

  const inputType = body.input_type ?? null;
  if (inputType !== null && inputType !== "query" && inputType !== "document") {
    return "input_type must be 'query', 'document' or null.";
  }
  const dimension = body.output_dimension ?? DEFAULT_DIMENSION;
  if (!DIMENSIONS.includes(dimension as number)) {
    return `output_dimension must be one of ${DIMENSIONS.join(", ")}.`;
  }
  const dtype = body.output_dtype ?? "float";
  if (!DTYPES.includes(dtype as Dtype)) return `output_dtype must be one of ${DTYPES.join(", ")}.`;
  const encoding = body.encoding_format ?? null;
  if (encoding !== null && encoding !== "base64") return "encoding_format must be null or 'base64'.";

  return {
    inputs,
    model: body.model,
    inputType,
    dimension: dimension as number,
    dtype: dtype as Dtype,
    base64: encoding === "base64",
  };
}

/**
 * Converts unit-vector floats to `dtype`: int8 and uint8 scale each value, binary and ubinary
 * pack the sign bits eight to a byte (MSB first), binary offset by -128 so it fits int8.
 */
function quantize(values: number[], dtype: Dtype): number[] {
  if (dtype === "float") return values;
  if (dtype === "int8") return values.map((value) => clamp(Math.round(value * 127), -128, 127));
  if (dtype === "uint8") return values.map((value) => clamp(Math.round((value + 1) * 127.5), 0, 255));

  const packed: number[] = [];
  for (let start = 0; start < values.length; start += 8) {
    let byte = 0;
    for (let bit = 0; bit < 8; bit += 1) byte = (byte << 1) | ((values[start + bit] ?? 0) > 0 ? 1 : 0);
    packed.push(dtype === "binary" ? byte - 128 : byte);
  }
  return packed;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Base64 of the vector's bytes: little-endian float32 for floats, one byte per value else. */
function toBase64(values: number[], dtype: Dtype): string {
  if (dtype === "float") return Buffer.from(new Float32Array(values).buffer).toString("base64");
  const bytes = dtype === "int8" || dtype === "binary" ? new Int8Array(values) : new Uint8Array(values);
  return Buffer.from(bytes.buffer).toString("base64");
}
