import { decodeCachedAnswer } from "../../../../runtime/cache/cached-answer.ts";
import type { FlightItem } from "./chat-cache.ts";
import type { CachePlan } from "./plan.ts";
import type { SemanticCache } from "./semantic-cache.ts";
import type { CachedChatInput } from "./serve.ts";
import { ClientDisconnected } from "../upstream/call.ts";

/** A stored answer found by the meaning of the prompt. */
export interface SemanticHit {
  items: FlightItem[];
  /** Exact store key of the matched answer. */
  storeKey: string;
  /** Cosine similarity of the two prompts. */
  similarity: number;
}

export interface SemanticLookup {
  hit: SemanticHit | null;
  /** The prompt's embedding, kept to store the answer; null when none was computed. */
  vector: Float32Array | null;
}

const NO_LOOKUP: SemanticLookup = { hit: null, vector: null };

/**
 * Embeds the prompt and returns the scope's most similar stored answer of the same shape and
 * mode, when it reaches the threshold. A `no-cache` request is embedded but not looked up, so
 * its answer can still be stored. A failed embedding call never fails the request: the
 * request proceeds as a miss and the failure counts toward the breaker.
 */
export async function lookupSemantic(input: CachedChatInput): Promise<SemanticLookup> {
  const { cache, plan } = input;
  const semantic = cache.semantic;
  if (semantic === null || plan.prompt === null) return NO_LOOKUP;

  const vector = await embedPrompt(input, semantic, plan.prompt.text);
  if (vector === null || !plan.read) return { hit: null, vector };

  const partition = partitionOf(plan, input.call.body.stream === true);
  const match = semantic.index.search(partition, vector, semantic.threshold);
  if (match === null) return { hit: null, vector };

  const items = await readItems(input, match.id);
  if (items === null) {
    // The exact store evicted or expired the answer, so its vector points at nothing.
    semantic.index.remove(match.id);
    return { hit: null, vector };
  }
  return { hit: { items, storeKey: match.id, similarity: match.score }, vector };
}

/** Adds the prompt's embedding for an answer just stored under the plan's key. */
export function addSemantic(input: CachedChatInput, vector: Float32Array | null): void {
  const { cache, plan } = input;
  if (cache.semantic === null || plan.prompt === null || vector === null) return;
  cache.semantic.index.add(partitionOf(plan, input.call.body.stream === true), plan.key, vector);
}

/** The index partition of a request: scope, answer mode and shape must all be equal. */
function partitionOf(plan: CachePlan, stream: boolean): string {
  return `${plan.scope}\n${stream ? "stream" : "json"}\n${plan.prompt?.shape ?? ""}`;
}

async function embedPrompt(
  input: CachedChatInput,
  semantic: SemanticCache,
  text: string,
): Promise<Float32Array | null> {
  const { record, context } = input;
  if (semantic.breaker.open) {
    record.addDetail("cache_semantic", "breaker_open");
    return null;
  }

  try {
    const vector = await semantic.embed(text, input.request.signal);
    semantic.breaker.success();
    return vector;
  } catch (error) {
    if (error instanceof ClientDisconnected || input.request.signal.aborted) {
      throw new ClientDisconnected();
    }
    const opened = semantic.breaker.failure();
    record.addDetail("cache_semantic", opened ? "breaker_open" : "embedding_failed");
    context.logger.log("warn", opened ? "cache.semantic_breaker_open" : "cache.embedding_failed", {
      request_id: record.requestId,
      error: error instanceof Error ? error.message : String(error),
    });
    return null;
  }
}

async function readItems(input: CachedChatInput, storeKey: string): Promise<FlightItem[] | null> {
  const value = await input.cache.store.get(storeKey);
  const answer = value === null ? null : decodeCachedAnswer(value);
  if (answer === null) return null;
  if (answer.kind === "json" && input.call.body.stream !== true) return [answer.response];
  if (answer.kind === "stream" && input.call.body.stream === true) return answer.chunks;
  return null;
}
