import {
  type CachedAnswer,
  decodeCachedAnswer,
  encodeCachedAnswer,
} from "../../../../runtime/cache/cached-answer.ts";
import type { ResolvedModel } from "../../../../runtime/config/models.ts";
import { describeError } from "../../../../runtime/observability/log.ts";
import type { GatewayContext } from "../context.ts";
import type { RequestRecord } from "../request-record.ts";
import { ROUTED_CALL_TIMEOUT_MS } from "../routing/routed-upstream.ts";
import { ClientDisconnected } from "../upstream/call.ts";
import type { ChatCache } from "./chat-cache.ts";
import { Flight, type FlightSettings, type UpstreamItems } from "./flight.ts";
import { NodeTurn } from "./node-turn.ts";
import type { CachePlan } from "./plan.ts";
import { type AnswerShape, serveFlight } from "./serve-flight.ts";

/** Maximum silence from a provider mid-stream, in ms, before the stream counts as stalled. */
const DEFAULT_STREAM_IDLE_MS = 300_000;

/** One request served through the answer cache, whatever its inbound API. */
export interface CacheServe<T> {
  context: GatewayContext;
  cache: ChatCache;
  request: Request;
  record: RequestRecord;
  plan: CachePlan;
  route: string;
  stream: boolean;
  /** The upstream call a miss makes; joined requests share it. */
  upstream: UpstreamItems<T>;
  providerId: string;
  timeoutMs: number;
  /** Maximum silence from the provider mid-stream, in ms. */
  idleTimeoutMs: number;
  shape: AnswerShape<T>;
  /** The semantic step after an exact miss; only the chat route has one. */
  semantic?: SemanticHooks<T>;
}

export interface SemanticHooks<T> {
  lookup(): Promise<{
    hit: {
      items: T[];
      storeKey: string;
      similarity: number;
      /** The prompt fingerprint of the stored answer, which was another prompt's. */
      storedPromptFingerprint?: string;
    } | null;
    vector: Float32Array | null;
  }>;
  /** Adds the vector of an answer just stored; `answer` is the stored (encoded) value. */
  add(vector: Float32Array | null, answer: string): void;
}

/**
 * Serves a request through the cache: a stored answer when there is one (`hit`), else with
 * the semantic step on, the stored answer of the most similar prompt (`semantic-hit`). Else
 * it joins an identical call already in progress (`miss` marked coalesced, because the answer
 * does not come from the store), or makes a new upstream call (`miss`) and stores its clean
 * answer. Stored answers are the provider's
 * decoded answer before response-stage checks, and every serve, hits included, runs the
 * requester's response pipeline on its own copy. On a store shared by gateway nodes, the call
 * waits its turn first (see `NodeTurn`). While another node calls upstream for the same key,
 * this node serves that node's stored answer (`hit`, coalesced `remote`).
 */
export async function serveCached<T>(input: CacheServe<T>): Promise<Response> {
  const { cache, plan, record } = input;
  const settings = { providerId: input.providerId, timeoutMs: input.timeoutMs, record };
  let stored: T[] | null = null;
  try {
    stored = plan.read ? await readStored(input) : null;
  } catch (error) {
    return serveStoreBypass(input, settings, "cache.read_failed", error);
  }
  if (stored !== null) {
    record.addDetail("cache", "hit");
    rememberServed(input, plan.key);
    return serveFlight(input, Flight.replay(stored), null);
  }

  // A request joins an identical call in progress before the semantic step, so it makes no
  // embedding call. No `await` comes between this check and the join below.
  const joinable = plan.read && cache.flights.has(plan.key);
  const noLookup = { hit: null, vector: null };
  let semantic: Awaited<ReturnType<SemanticHooks<T>["lookup"]>> = noLookup;
  try {
    semantic = joinable ? noLookup : await input.semantic?.lookup() ?? noLookup;
  } catch (error) {
    if (error instanceof ClientDisconnected) throw error;
    return serveStoreBypass(input, settings, "cache.semantic_read_failed", error);
  }
  if (semantic.hit !== null) {
    record.addDetail("cache", "semantic-hit");
    record.addDetail("cache_similarity", semantic.hit.similarity);
    rememberServed(input, semantic.hit.storeKey, semantic.hit.storedPromptFingerprint);
    return serveFlight(input, Flight.replay(semantic.hit.items), null);
  }

  // A `no-cache` request fetches anew, so it neither joins a call nor lets others join it,
  // on this node or on another.
  const turn = plan.read && cache.crossNode !== null
    ? new NodeTurn(input, cache.crossNode, () => readStored(input))
    : null;
  // Store keys carry the API and the answer mode, so a flight found by key has items of `T`.
  const start = (): Flight<unknown> => (turn === null
    ? Flight.call(input.upstream, settings)
    : Flight.afterTurn(input.upstream, settings, (signal) => turn.take(signal))
  ) as Flight<unknown>;
  const joined = plan.read
    ? cache.flights.join(plan.key, start)
    : { flight: start(), leader: true };
  const { leader } = joined;
  const flight = joined.flight as Flight<T>;
  record.addDetail("cache", "miss");
  rememberServed(input, plan.key);
  if (!leader) {
    record.addDetail("cache_coalesced", true);
    flight.join(record);
    return serveFlight(input, flight, null);
  }

  return serveFlight(input, flight, {
    store: plan.write ? (answer) => storeOwn(input, answer, semantic.vector, turn) : null,
    release: () => {
      turn?.finish();
      // A call whose owner left goes on for the joined requests, and new identical requests
      // may join it until it ends rather than start a second call.
      void flight.settled.then(() => cache.flights.release(plan.key, joined.flight));
    },
  });
}

/** Stores the answer of this node's call; another node's answer is stored already. */
async function storeOwn<T>(
  input: CacheServe<T>,
  answer: CachedAnswer<T, T>,
  vector: Float32Array | null,
  turn: NodeTurn<T> | null,
): Promise<void> {
  if (turn?.remote === true) return;
  const stored = await storeAnswer(input, answer, vector);
  if (turn !== null) turn.stored = stored;
}

/**
 * Serves a request whose cache step failed on the store as a bypass: a call of its own, with
 * nothing read, joined or stored. A store outage thus costs hits but fails no request.
 */
function serveStoreBypass<T>(
  input: CacheServe<T>,
  settings: FlightSettings,
  step: string,
  error: unknown,
): Promise<Response> {
  const { record } = input;
  input.cache.outage.failed(step, {
    request_id: record.requestId,
    error: describeError(error),
  });
  record.addDetail("cache", "bypass");
  record.addDetail("cache_bypass_reason", "store_unavailable");
  const owner = { store: null, release: () => {} };
  return serveFlight(input, Flight.call(input.upstream, settings), owner);
}

async function readStored<T>(input: CacheServe<T>): Promise<T[] | null> {
  const value = await input.cache.store.get(input.plan.key);
  input.cache.outage.succeeded();
  const answer = value === null ? null : decodeCachedAnswer<T, T>(value);
  if (answer === null) return null;
  if (answer.kind === "json" && !input.stream) return [answer.response];
  if (answer.kind === "stream" && input.stream) return answer.chunks;
  return null;
}

async function storeAnswer<T>(
  input: CacheServe<T>,
  answer: CachedAnswer<T, T>,
  vector: Float32Array | null,
): Promise<boolean> {
  const { cache, plan } = input;
  try {
    // A prompt reported as a bad answer is never stored again in its scope. A failed check
    // counts as reported (see `PoisonGuard.isPoisoned`).
    if (await cache.guard.isPoisoned(plan.scope, plan.promptFingerprint)) return false;
    const encoded = encodeCachedAnswer(answer);
    await cache.store.set(plan.key, encoded, cache.ttlMs);
    cache.outage.succeeded();
    await cache.guard.stored(plan.key, plan.scope, plan.promptFingerprint);
    input.semantic?.add(vector, encoded);
    return true;
  } catch (error) {
    // A failed write costs only a later miss, so the answer is still sent.
    input.record.addDetail("cache_error", "store_unavailable");
    cache.outage.logger.log("warn", "cache.write_failed", {
      request_id: input.record.requestId,
      error: describeError(error),
    });
    return false;
  }
}

/** Remembers which stored answer this request got, for `POST /v1/cache/report`. */
function rememberServed<T>(
  input: CacheServe<T>,
  storeKey: string,
  storedPromptFingerprint?: string,
): void {
  const { plan } = input;
  input.cache.guard.remember(input.record.requestId, {
    scope: plan.scope,
    storeKey,
    promptFingerprint: plan.promptFingerprint,
    storedPromptFingerprint,
  });
}

/** The fields of a `CacheServe` that do not depend on the API's items. */
export type CacheServeBase =
  Omit<CacheServe<unknown>, "stream" | "upstream" | "shape" | "semantic">;

/**
 * Returns what every API's cached serve of a routed request shares, or null when the plan
 * bypasses the cache. `resolved` is the route's first target: its provider maps failures
 * and sets the idle limit of a stream. The shared call gets no deadline of its own, since
 * routing sets one per attempt and one for the whole route.
 */
export function routedCacheServe(
  context: GatewayContext,
  request: Request,
  record: RequestRecord,
  route: string,
  resolved: ResolvedModel,
  plan: CachePlan | null,
): CacheServeBase | null {
  if (plan === null || context.cache === null) return null;
  return {
    context, cache: context.cache, request, record, plan, route,
    providerId: resolved.providerId,
    timeoutMs: ROUTED_CALL_TIMEOUT_MS,
    idleTimeoutMs: resolved.provider.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS,
  };
}
