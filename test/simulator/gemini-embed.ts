/**
 * The default response of Gemini `batchEmbedContents`: one vector per request entry, from the
 * same hash as the OpenAI route, so equal texts get equal vectors on both.
 */

import { checkGeminiBody, geminiError, geminiHeaders } from "./gemini-request.ts";
import { isRecord, type HandlerContext, type IncomingRequest } from "./incoming-request.ts";
import { unitVector } from "./openai-embeddings.ts";
import { isPayload } from "./openai-request.ts";
import { jsonPayload, type Payload } from "./payload.ts";

const DEFAULT_DIMENSIONS = 8;

export function handleGeminiBatchEmbed(
  incoming: IncomingRequest,
  _context: HandlerContext,
  model: string,
): Payload {
  const body = checkGeminiBody(incoming);
  if (isPayload(body)) return body;
  if (!Array.isArray(body.requests) || body.requests.length === 0) {
    const message = "* BatchEmbedContentsRequest.requests: requests is not specified";
    return geminiError(400, "INVALID_ARGUMENT", message);
  }

  const embeddings: { values: number[] }[] = [];
  for (const [index, entry] of body.requests.entries()) {
    const checked = checkEntry(entry, index, model);
    if (typeof checked === "string") return geminiError(400, "INVALID_ARGUMENT", checked);
    embeddings.push({ values: unitVector(checked.text, checked.dimensions) });
  }
  return jsonPayload(200, geminiHeaders(), { embeddings });
}

/** Returns the entry's text and size, or the message Google sends for a bad entry. */
function checkEntry(
  entry: unknown,
  index: number,
  model: string,
): { text: string; dimensions: number } | string {
  if (!isRecord(entry)) return `* requests[${index}]: expected an object`;
  // Google rejects a batch whose entries name another model than the URL.
  if (entry.model !== `models/${model}`) {
    return `Model names should match: requests[${index}].model is '${String(entry.model)}', ` +
      `the URL names 'models/${model}'.`;
  }

  const content = isRecord(entry.content) ? entry.content : {};
  const parts = Array.isArray(content.parts) ? content.parts.filter(isRecord) : [];
  const text = parts.map((part) => (typeof part.text === "string" ? part.text : "")).join("");
  if (parts.length === 0) return `* requests[${index}].content.parts: parts is not specified`;

  const dimensions = entry.outputDimensionality ?? DEFAULT_DIMENSIONS;
  if (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1) {
    return `* requests[${index}].outputDimensionality: expected a positive integer`;
  }
  return { text, dimensions };
}
