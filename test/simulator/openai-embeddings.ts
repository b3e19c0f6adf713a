/**
 * The default response of `POST /v1/embeddings`: one unit vector per input, derived from a
 * SHA-256 hash of the input so that equal inputs always get equal vectors. Vectors are
 * float arrays, or base64 of little-endian float32 values with `encoding_format: "base64"`,
 * as the OpenAI API sends them.
 */

import { createHash } from "node:crypto";
import type { HandlerContext, IncomingRequest } from "./incoming-request.ts";
import { checkOpenAIBody, isPayload, openaiError } from "./openai-request.ts";
import { jsonPayload, type Payload } from "./payload.ts";
import { openaiHeaders } from "./provider-headers.ts";
import { estimateTokens } from "./synthetic-answer.ts";

const DEFAULT_DIMENSIONS = 8;

export function handleOpenAIEmbeddings(
  incoming: IncomingRequest,
  context: HandlerContext,
): Payload {
  const body = checkOpenAIBody(incoming, context, ["model", "input"]);
  if (isPayload(body)) return body;

  const inputs = toInputs(body.input);
  if (inputs === undefined) {
    const message = "Invalid 'input': expected a string, an array of strings or token arrays.";
    return openaiError(context, 400, message, "input", "invalid_type");
  }
  const dimensions = body.dimensions ?? DEFAULT_DIMENSIONS;
  if (!Number.isInteger(dimensions) || (dimensions as number) < 1) {
    const message = "Invalid 'dimensions': expected an integer of at least 1.";
    return openaiError(context, 400, message, "dimensions", "invalid_value");
  }

  const base64 = body.encoding_format === "base64";
  const data = inputs.map((input, index) => {
    const vector = unitVector(input, dimensions as number);
    return { object: "embedding", index, embedding: base64 ? toBase64(vector) : vector };
  });
  const tokens = inputs.reduce((sum, input) => sum + estimateTokens(input.length), 0);
  const response = {
    object: "list",
    data,
    model: String(body.model),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
  return jsonPayload(200, openaiHeaders(context.ids.openaiRequest(), tokens), response);
}

/** Normalises the accepted `input` forms to one string per embedding. */
function toInputs(input: unknown): string[] | undefined {
  if (typeof input === "string") return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  // A flat array of numbers is one tokenised input, not many.
  if (input.every((item) => typeof item === "number")) return [JSON.stringify(input)];
  if (input.every((item) => typeof item === "string")) return input;
  if (input.every((item) => Array.isArray(item))) return input.map((item) => JSON.stringify(item));
  return undefined;
}

export function unitVector(input: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block += 1) {
    const digest = createHash("sha256").update(`${block}:${input}`).digest();
    for (let offset = 0; offset + 4 <= digest.length && values.length < dimensions; offset += 4) {
      values.push(digest.readUInt32LE(offset) / 0xffffffff - 0.5);
    }
  }

  const norm = Math.hypot(...values) || 1;
  // Rounding through float32 keeps float and base64 responses equal, as they are at OpenAI.
  return values.map((value) => Math.fround(value / norm));
}

function toBase64(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}
