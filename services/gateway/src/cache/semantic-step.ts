import { decodeCachedAnswer } from "../../../../runtime/cache/cached-answer.ts";
import type { SemanticEntry } from "../../../../runtime/cache/semantic-entry-store.ts";
import { describeError } from "../../../../runtime/observability/log.ts";
import type { RequestRecord } from "../request-record.ts";
import { ClientDisconnected } from "../upstream/call.ts";
import type { FlightItem } from "./chat-cache.ts";
import type { CachePlan } from "./plan.ts";
import type { SemanticCache } from "./semantic-cache.ts";
import { callEmbedding } from "./semantic-embedding-call.ts";
import type { CachedChatInput } from "./serve.ts";

/** A stored answer found by the meaning of the prompt. */
export interface SemanticHit {
  items: FlightItem[];
  /** Exact store key of the matched answer. */
  storeKey: string;
  /** Cosine similarity of the two prompts. */
  similarity: number;
  /** Prompt fingerprint of the matched answer, when it is known. */
  storedPromptFingerprint: string | undefined;
}

export interface SemanticLookup {
  hit: SemanticHit | null;
  /** The prompt's embedding, kept to store the answer; null when none was computed. */
  vector: Float32Array | null;
}

/** One lookup's result, shared by identical concurrent requests. */
export interface SharedLookup extends SemanticLookup {
  /** Reason the step was skipped: `breaker_open`, `embedding_failed` or `quota_exceeded`. */
  skipped: string | null;
  /** Request id of the embedding call's traffic event; null when no call was made. */
  embeddingRequestId: string | null;
}

const NO_LOOKUP: SemanticLookup = { hit: null, vector: null };

/**
 * Embeds the prompt and returns the scope's most similar stored answer of the same shape and
 * mode, when it reaches the threshold. Identical concurrent requests share one lookup, so one
 * embedding call serves them all. A `no-cache` request is embedded but not looked up, so its
 * answer can still be stored. A failed or quota-rejected embedding call never fails the
 * request: the request proceeds as a miss, and only a failure counts toward the breaker.
 */
export async function lookupSemantic(input: CachedChatInput): Promise<SemanticLookup> {
  const { cache, plan, record } = input;
  const semantic = cache.semantic;
  if (semantic === null || plan.prompt === null) return NO_LOOKUP;
  await semantic.ready;

  const running = plan.read ? semantic.pending.get(plan.key) : undefined;
  if (running !== undefined) {
    record.addDetail("cache_semantic_shared", true);
    return joinLookup(input, running);
  }

  const lookup = runLookup(input, semantic, plan.prompt.text);
  if (plan.read) {
    semantic.pending.set(plan.key, lookup);
    const forget = (): void => {
      if (semantic.pending.get(plan.key) === lookup) semantic.pending.delete(plan.key);
    };
    lookup.then(forget, forget);
  }
  const shared = await lookup;
  noteLookup(record, shared);
  return { hit: shared.hit, vector: shared.vector };
}

/** Waits for another request's lookup; its client leaving turns this one into a miss. */
async function joinLookup(
  input: CachedChatInput,
  running: Promise<SharedLookup>,
): Promise<SemanticLookup> {
  try {
    const shared = await running;
    noteLookup(input.record, shared);
    // The vector is shared as well, since whichever request leads the upstream call stores it.
    return { hit: shared.hit, vector: shared.vector };
  } catch (error) {
    if (input.request.signal.aborted) throw new ClientDisconnected();
    if (!(error instanceof ClientDisconnected)) throw error;
    return NO_LOOKUP;
  }
}

function noteLookup(record: RequestRecord, shared: SharedLookup): void {
  if (shared.skipped !== null) record.addDetail("cache_semantic", shared.skipped);
  if (shared.embeddingRequestId !== null) {
    record.addDetail("cache_semantic_embedding_request_id", shared.embeddingRequestId);
  }
}

async function runLookup(
  input: CachedChatInput,
  semantic: SemanticCache,
  text: string,
): Promise<SharedLookup> {
  const embedded = await embedPrompt(input, semantic, text);
  const { vector } = embedded;
  if (vector === null || !input.plan.read) return { ...embedded, hit: null };

  const partition = partitionOf(input.plan, input.call.body.stream === true);
  const match = semantic.index.search(partition, vector, semantic.threshold);
  if (match === null) return { ...embedded, hit: null };

  const found = await readMatched(input, semantic, match.id);
  if (found === null) {
    // The answer expired, was evicted or was reported, so its vector points at nothing.
    semantic.index.remove(match.id);
    return { ...embedded, hit: null };
  }
  const hit: SemanticHit = {
    items: found.items,
    storeKey: match.id,
    similarity: match.score,
    storedPromptFingerprint: found.promptFingerprint,
  };
  return { ...embedded, hit };
}

/** Adds the prompt's embedding for an answer just stored under the plan's key. */
export function addSemantic(
  input: CachedChatInput,
  vector: Float32Array | null,
  answer: string,
): void {
  const { cache, plan } = input;
  const semantic = cache.semantic;
  if (semantic === null || plan.prompt === null || vector === null) return;
  const partition = partitionOf(plan, input.call.body.stream === true);
  const storedAt = Date.now();
  semantic.index.add(partition, plan.key, vector, storedAt);

  semantic.entries?.put({
    id: plan.key,
    scope: plan.scope,
    partition,
    promptFingerprint: plan.promptFingerprint,
    vector,
    answer,
    storedAt,
    expiresAt: storedAt + semantic.ttlMs,
  }).catch((error: unknown) => {
    // A lost write costs only a miss after the next restart.
    input.cache.outage.logger.log("warn", "cache.semantic_entry_write_failed", {
      request_id: input.record.requestId,
      error: describeError(error),
    });
  });
}

/** The index partition of a request: scope, answer mode and shape must all be equal. */
function partitionOf(plan: CachePlan, stream: boolean): string {
  return `${plan.scope}\n${stream ? "stream" : "json"}\n${plan.prompt?.shape ?? ""}`;
}

async function embedPrompt(
  input: CachedChatInput,
  semantic: SemanticCache,
  text: string,
): Promise<Omit<SharedLookup, "hit">> {
  if (semantic.breaker.open) {
    return { vector: null, skipped: "breaker_open", embeddingRequestId: null };
  }

  const call = await callEmbedding(input, semantic, text);
  const embeddingRequestId = call.requestId;
  if (call.failure === null) {
    semantic.breaker.success();
    return { vector: call.vector, skipped: null, embeddingRequestId };
  }

  const { logger } = input.context;
  const fields = { request_id: input.record.requestId, embedding_request_id: embeddingRequestId };
  if (call.failure === "quota_exceeded") {
    // A quota rejection is no sign of the embedding model's health, so the breaker ignores it.
    logger.log("info", "cache.semantic_quota_exceeded", fields);
    return { vector: null, skipped: "quota_exceeded", embeddingRequestId };
  }
  const opened = semantic.breaker.failure();
  logger.log("warn", opened ? "cache.semantic_breaker_open" : "cache.embedding_failed", {
    ...fields,
    error: describeError(call.error),
  });
  const skipped = opened ? "breaker_open" : "embedding_failed";
  return { vector: null, skipped, embeddingRequestId };
}

/**
 * Reads the matched answer from the exact store, else from the persisted entry (after a
 * restart the exact store is empty). Returns null when neither has it in the request's mode,
 * or when its prompt was reported.
 */
async function readMatched(
  input: CachedChatInput,
  semantic: SemanticCache,
  storeKey: string,
): Promise<{ items: FlightItem[]; promptFingerprint: string | undefined } | null> {
  const { cache, plan } = input;
  let value = await cache.store.get(storeKey);
  let promptFingerprint = cache.guard.promptOf(storeKey);
  if (value === null && semantic.entries !== null) {
    const entry = await readEntry(input, semantic, storeKey);
    value = entry?.answer ?? null;
    promptFingerprint = entry?.promptFingerprint;
  }
  const poisoned = promptFingerprint !== undefined
    && await cache.guard.isPoisoned(plan.scope, promptFingerprint);
  if (poisoned) return null;

  const items = value === null ? null : itemsOf(value, input.call.body.stream === true);
  return items === null ? null : { items, promptFingerprint };
}

/** Reads a persisted entry; a failed read is logged and costs only a miss. */
async function readEntry(
  input: CachedChatInput,
  semantic: SemanticCache,
  storeKey: string,
): Promise<SemanticEntry | null> {
  try {
    return await semantic.entries?.get(input.plan.scope, storeKey, Date.now()) ?? null;
  } catch (error) {
    input.cache.outage.logger.log("warn", "cache.semantic_entry_read_failed", {
      request_id: input.record.requestId,
      error: describeError(error),
    });
    return null;
  }
}

function itemsOf(value: string, stream: boolean): FlightItem[] | null {
  const answer = decodeCachedAnswer(value);
  if (answer === null) return null;
  if (answer.kind === "json" && !stream) return [answer.response];
  if (answer.kind === "stream" && stream) return answer.chunks;
  return null;
}
