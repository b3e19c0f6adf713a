import { type CacheTarget, answerFingerprint, shapingFields } from
  "../../../../runtime/cache/answer-cache-key.ts";
import type { EmbeddingRequest, EmbeddingResponse } from
  "../../../../runtime/canonical/embeddings.ts";
import type { RequestRecord } from "../request-record.ts";
import type { Attempted } from "../routing/attempt-target.ts";
import type { AnswerShape } from "./serve-flight.ts";

/** `user` is attribution only; `input`, `dimensions` and `encoding_format` shape the vectors. */
const IGNORED_EMBEDDING_FIELDS = ["user"] as const;

/** Returns the fingerprint of an embeddings request: every field but `user`, and the target. */
export function embeddingsFingerprint(body: EmbeddingRequest, target: CacheTarget): string {
  return answerFingerprint("embeddings", target, {
    request: shapingFields(body, IGNORED_EMBEDDING_FIELDS),
  });
}

/** Returns a routed embeddings answer as its one flight item (see `routedUpstream`). */
export async function* embeddingsItems(
  attempted: Attempted<EmbeddingResponse>,
): AsyncGenerator<EmbeddingResponse> {
  yield attempted.reply;
}

/** Records an embeddings answer's usage and capture and builds its response. */
export function respondEmbeddings(record: RequestRecord, answer: EmbeddingResponse): Response {
  record.setUsage({
    prompt_tokens: answer.usage.prompt_tokens,
    completion_tokens: 0,
    total_tokens: answer.usage.total_tokens,
  });
  record.capture?.response(answer);
  record.finish(200, null);
  return Response.json(answer, { headers: record.responseHeaders() });
}

/**
 * Returns the shape of embeddings answers: JSON only, with no response stage (vectors carry no text
 * to check), so every answer with vectors is stored.
 */
export function embeddingsShape(record: RequestRecord): AnswerShape<EmbeddingResponse> {
  return {
    json: (answer) => Promise.resolve({ response: respondEmbeddings(record, answer), clean: true }),
    cacheableJson: (answer) => Array.isArray(answer.data) && answer.data.length > 0,
    scan: (items) => items,
    format: () => {
      throw new Error("Embeddings responses are never streamed.");
    },
    streamHeaders: () => record.responseHeaders(),
    cacheableStream: () => false,
  };
}
