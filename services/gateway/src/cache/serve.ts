import type { ChatChunk, ChatResponse } from "../../../../runtime/canonical/chat.ts";
import {
  type CachedAnswer,
  decodeCachedAnswer,
  encodeCachedAnswer,
  isCacheableResponse,
  isCacheableStream,
} from "../../../../runtime/cache/cached-answer.ts";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import type { Principal } from "../../../../runtime/hooks/stage.ts";
import type { RequestCapture } from "../capture.ts";
import { checkAnswer } from "../compliance/check.ts";
import { scanChatStream } from "../compliance/scan-chunks.ts";
import type { GatewayContext } from "../context.ts";
import { relayOptions } from "../relay-options.ts";
import type { RequestRecord } from "../request-record.ts";
import { chatChunkFormat } from "../sse-stream.ts";
import { relayStream, type StreamFormat } from "../stream-relay.ts";
import { UpstreamAbort, upstreamFailure } from "../upstream/call.ts";
import type { ChatCache, FlightItem } from "./chat-cache.ts";
import { ChatFlight, type FlightCall } from "./chat-flight.ts";
import type { CachePlan } from "./plan.ts";
import { addSemantic, lookupSemantic } from "./semantic-step.ts";
import { streamText } from "./stream-text.ts";

/** Maximum silence from a provider mid-stream, in ms, before the stream counts as stalled. */
const DEFAULT_STREAM_IDLE_MS = 300_000;

export interface CachedChatInput {
  context: GatewayContext;
  cache: ChatCache;
  request: Request;
  record: RequestRecord;
  plan: CachePlan;
  call: FlightCall;
  principal: Principal | null;
  capture: RequestCapture | null;
  route: string;
}

/**
 * The request that started a flight: it stores the answer, then lets the key go.
 * NOTE: when this request fails or its client leaves, the flight's answer is not stored,
 * even though the joined requests still get it.
 */
interface FlightOwner {
  store: ((answer: CachedAnswer) => Promise<void>) | null;
  release(): void;
}

/**
 * Serves a chat request through the cache: a stored answer when there is one (`hit`), else
 * with the semantic step on, the stored answer of the most similar prompt (`semantic-hit`),
 * else the answer of an identical call already in progress (`hit`, marked coalesced), else
 * a new upstream call (`miss`) whose clean answer is stored. Stored answers are the provider's
 * decoded answer before response-stage checks, and every serve, hits included, runs the
 * requester's response pipeline on its own copy.
 */
export async function serveChatWithCache(input: CachedChatInput): Promise<Response> {
  const { cache, plan, record } = input;
  const stream = input.call.body.stream === true;
  const stored = plan.read ? await readStored(input, stream) : null;
  if (stored !== null) {
    record.addDetail("cache", "hit");
    rememberServed(input, plan.key);
    return serveFlight(input, ChatFlight.replay(stored), null);
  }

  const semantic = await lookupSemantic(input);
  if (semantic.hit !== null) {
    record.addDetail("cache", "semantic-hit");
    record.addDetail("cache_similarity", semantic.hit.similarity);
    rememberServed(input, semantic.hit.storeKey);
    return serveFlight(input, ChatFlight.replay(semantic.hit.items), null);
  }

  const start = (): ChatFlight => ChatFlight.call(input.call);
  // A `no-cache` request fetches anew, so it neither joins a call nor lets others join it.
  const { flight, leader } = plan.read
    ? cache.flights.join(plan.key, start)
    : { flight: start(), leader: true };
  record.addDetail("cache", leader ? "miss" : "hit");
  rememberServed(input, plan.key);
  if (!leader) {
    record.addDetail("cache_coalesced", true);
    flight.addRecord(record);
    return serveFlight(input, flight, null);
  }

  const owner: FlightOwner = {
    store: plan.write ? (answer) => storeAnswer(input, answer, semantic.vector) : null,
    release: () => cache.flights.release(plan.key, flight),
  };
  return serveFlight(input, flight, owner);
}

async function readStored(input: CachedChatInput, stream: boolean): Promise<FlightItem[] | null> {
  const value = await input.cache.store.get(input.plan.key);
  const answer = value === null ? null : decodeCachedAnswer(value);
  if (answer === null) return null;
  if (answer.kind === "json" && !stream) return [answer.response];
  if (answer.kind === "stream" && stream) return answer.chunks;
  return null;
}

async function storeAnswer(
  input: CachedChatInput,
  answer: CachedAnswer,
  vector: Float32Array | null,
): Promise<void> {
  const { cache, plan } = input;
  // A prompt reported as a bad answer is never stored again in its scope.
  if (cache.guard.isPoisoned(plan.scope, plan.promptFingerprint)) return;
  try {
    await cache.store.set(plan.key, encodeCachedAnswer(answer), cache.ttlMs);
    cache.guard.stored(plan.key, plan.scope, plan.promptFingerprint);
    addSemantic(input, vector);
  } catch (error) {
    // A failed write costs only a later miss, so the answer is still sent.
    input.context.logger.log("warn", "cache.write_failed", {
      request_id: input.record.requestId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/** Remembers which stored answer this request got, for `POST /v1/cache/report`. */
function rememberServed(input: CachedChatInput, storeKey: string): void {
  const { plan } = input;
  input.cache.guard.remember(input.record.requestId, {
    scope: plan.scope,
    storeKey,
    promptFingerprint: plan.promptFingerprint,
  });
}

function serveFlight(
  input: CachedChatInput,
  flight: ChatFlight,
  owner: FlightOwner | null,
): Promise<Response> {
  const { resolved } = input.call;
  // Each request waits on its own signal, so a client that leaves frees only its own wait.
  const abort = new UpstreamAbort(input.request.signal, 1, resolved.providerId);
  abort.clearDeadline();
  if (input.call.body.stream === true) return serveStream(input, flight, owner, abort);
  return serveJson(input, flight, owner, abort);
}

async function serveJson(
  input: CachedChatInput,
  flight: ChatFlight,
  owner: FlightOwner | null,
  abort: UpstreamAbort,
): Promise<Response> {
  const { context, record, call } = input;
  const items = flight.items.subscribe({ copy: structuredClone, signal: abort.signal });
  try {
    let answer: ChatResponse;
    try {
      const first = await items.next();
      if (first.done === true) throw emptyFlight();
      answer = first.value as ChatResponse;
    } catch (error) {
      throw upstreamFailure(error, abort, call.resolved.providerId);
    } finally {
      void items.return?.();
    }

    record.setUsage(answer.usage);
    input.capture?.response(answer);
    const unchecked = JSON.stringify(answer);
    await checkAnswer(context, record, input.principal, call.body.model, answer);
    // An answer the response pipeline changed (redacted) or blocked (threw) is not stored.
    const clean = JSON.stringify(answer) === unchecked;
    if (owner?.store && clean && isCacheableResponse(answer)) {
      await owner.store({ kind: "json", response: JSON.parse(unchecked) as ChatResponse });
    }
    record.finish(200, null);
    return Response.json(answer, { headers: record.responseHeaders() });
  } finally {
    owner?.release();
  }
}

async function serveStream(
  input: CachedChatInput,
  flight: ChatFlight,
  owner: FlightOwner | null,
  abort: UpstreamAbort,
): Promise<Response> {
  const { context, record, call } = input;
  const items = flight.items.subscribe({ copy: structuredClone, signal: abort.signal });
  const chunks = scanChatStream(context, record, input.principal, call.body.model,
    items as AsyncIterableIterator<ChatChunk>);
  const iterator = chunks[Symbol.asyncIterator]();

  // As on the uncached path, the first chunk comes before the headers, so that an early
  // failure still reaches the client as an HTTP error with its real status.
  let first: IteratorResult<ChatChunk>;
  try {
    first = await iterator.next();
  } catch (error) {
    owner?.release();
    throw upstreamFailure(error, abort, call.resolved.providerId);
  }

  const sent: ChatChunk[] = [];
  const includeUsage = call.body.stream_options?.include_usage === true;
  const plain = chatChunkFormat(record, includeUsage);
  const format = owner?.store ? recording(plain, sent) : plain;
  const finishOwner = async (): Promise<void> => {
    const raw = flight.items.items as ChatChunk[];
    const clean = streamText(raw) === streamText(sent);
    if (owner?.store && flight.state === "ended" && clean && isCacheableStream(raw)) {
      await owner.store({ kind: "stream", chunks: [...raw] });
    }
    owner?.release();
  };
  const options = relayOptions(context, record, abort, {
    route: input.route,
    idleTimeoutMs: call.resolved.provider.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS,
    onComplete: () => void finishOwner(),
  });
  const relayed = relayStream(first, iterator, format, {
    ...options,
    onClientGone: () => {
      owner?.release();
      options.onClientGone();
    },
    onFailure: (failure) => {
      owner?.release();
      options.onFailure(failure);
    },
  });
  return new Response(relayed, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      ...record.responseHeaders(),
    },
  });
}

/** Wraps a format so that every chunk handed to it is also kept, as the client got it. */
function recording(format: StreamFormat<ChatChunk>, sent: ChatChunk[]): StreamFormat<ChatChunk> {
  return {
    ...format,
    encode(chunk) {
      sent.push(chunk);
      return format.encode(chunk);
    },
  };
}

function emptyFlight(): NexusError {
  return new NexusError("upstream_invalid_response", "The provider returned an empty response.", {
    status: 502,
    type: "api_error",
  });
}
