/**
 * The default response of Cohere `POST /v2/embed`: `embeddings_by_type` with one float vector
 * per text, from the same hash as the OpenAI route, and the billed input tokens in `meta`.
 */

import { checkCohereBody, cohereError, cohereHeaders } from "./cohere-request.ts";
import type { HandlerContext, IncomingRequest } from "./incoming-request.ts";
import { unitVector } from "./openai-embeddings.ts";
import { isPayload } from "./openai-request.ts";
import { jsonPayload, type Payload } from "./payload.ts";
import { estimateTokens } from "./synthetic-answer.ts";

const DEFAULT_DIMENSIONS = 8;

const INPUT_TYPES = ["search_document", "search_query", "classification", "clustering", "image"];

export function handleCohereEmbed(incoming: IncomingRequest, context: HandlerContext): Payload {
  const body = checkCohereBody(incoming, context, ["model", "input_type"]);
  if (isPayload(body)) return body;

  const texts = body.texts;
  if (!Array.isArray(texts) || texts.length === 0 || !texts.every(isString)) {
    return cohereError(context, 400, "invalid request: texts must be a non-empty list of strings");
  }
  if (!INPUT_TYPES.includes(String(body.input_type))) {
    const message = `invalid request: input_type must be one of ${INPUT_TYPES.join(", ")}`;
    return cohereError(context, 400, message);
  }
  const dimensions = body.output_dimension ?? DEFAULT_DIMENSIONS;
  if (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1) {
    const message = "invalid request: output_dimension must be a positive integer";
    return cohereError(context, 400, message);
  }

  const tokens = texts.reduce((sum, text) => sum + estimateTokens(text.length), 0);
  const id = context.ids.cohereUuid();
  const response = {
    id,
    texts,
    embeddings: { float: texts.map((text) => unitVector(text, dimensions)) },
    meta: { api_version: { version: "2" }, billed_units: { input_tokens: tokens } },
    response_type: "embeddings_by_type",
  };
  return jsonPayload(200, cohereHeaders(id), response);
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}
