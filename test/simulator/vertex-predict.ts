/**
 * The default response of Vertex `:predict` for text embedding models: one prediction per
 * instance, with the vector (the same hash as the OpenAI route, so equal texts get equal
 * vectors) and its token count in `statistics`.
 */

import { geminiError, geminiHeaders } from "./gemini-request.ts";
import { isRecord, type IncomingRequest } from "./incoming-request.ts";
import { unitVector } from "./openai-embeddings.ts";
import { jsonPayload, type Payload } from "./payload.ts";
import { estimateTokens } from "./synthetic-answer.ts";

const DEFAULT_DIMENSIONS = 8;

export function handleVertexPredict(incoming: IncomingRequest): Payload {
  const body = isRecord(incoming.json) ? incoming.json : {};
  if (!Array.isArray(body.instances) || body.instances.length === 0) {
    return geminiError(400, "INVALID_ARGUMENT", "instances is not specified");
  }
  const parameters = isRecord(body.parameters) ? body.parameters : {};
  const dimensions = parameters.outputDimensionality ?? DEFAULT_DIMENSIONS;
  if (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1) {
    return geminiError(400, "INVALID_ARGUMENT", "outputDimensionality must be positive");
  }

  const predictions = [];
  let characters = 0;
  for (const [index, instance] of body.instances.entries()) {
    const content = isRecord(instance) ? instance.content : undefined;
    if (typeof content !== "string") {
      return geminiError(400, "INVALID_ARGUMENT", `instances[${index}].content is not a string`);
    }
    characters += content.length;
    predictions.push({
      embeddings: {
        values: unitVector(content, dimensions),
        statistics: { token_count: estimateTokens(content.length), truncated: false },
      },
    });
  }
  const metadata = { billableCharacterCount: characters };
  return jsonPayload(200, geminiHeaders(), { predictions, metadata });
}
