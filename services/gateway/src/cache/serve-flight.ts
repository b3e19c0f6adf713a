import type { CachedAnswer } from "../../../../runtime/cache/cached-answer.ts";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import { relayOptions } from "../relay-options.ts";
import { relayStream, type StreamFormat } from "../stream-relay.ts";
import { UpstreamAbort, upstreamFailure } from "../upstream/call.ts";
import type { Flight } from "./flight.ts";
import type { CacheServe } from "./serve-cached.ts";

/**
 * How one inbound API turns a flight's items into its answer: the response pipeline, the
 * framing, and which answers may be stored.
 */
export interface AnswerShape<T> {
  /**
   * Runs the response pipeline on the item of a JSON answer (the caller's own copy) and
   * returns the client's response; `clean` is false when the pipeline changed the answer.
   */
  json(item: T): Promise<{ response: Response; clean: boolean }>;
  /** True for a JSON answer that may be stored: finished, no refusal, no provider filter. */
  cacheableJson(item: T): boolean;
  /** Runs the response pipeline over a stream's items; identity where no stage applies. */
  scan(items: AsyncIterableIterator<T>): AsyncIterable<T>;
  /** A new framing of the stream for one client. */
  format(): StreamFormat<T>;
  streamHeaders(): Record<string, string>;
  /**
   * True for a stream that ended normally and may be stored: `raw` is what the provider sent,
   * `sent` what the client got after the pipeline, so a changed stream is not stored.
   */
  cacheableStream(raw: readonly T[], sent: readonly T[]): boolean;
  /** Runs once the stream ended normally, before the event is recorded. */
  onComplete?(): void;
}

/**
 * The request that started a flight: it stores the answer, then lets the key go once the call
 * has ended, so identical requests may join the call until then even after this one left.
 * NOTE: when this request fails or its client leaves, the flight's answer is not stored,
 * even though the joined requests still get it.
 */
export interface FlightOwner<T> {
  store: ((answer: CachedAnswer<T, T>) => Promise<void>) | null;
  release(): void;
}

/**
 * Serves one request from a flight, as JSON or as a stream. Before the request's event is
 * written, every exit reports to the flight whether the request got the whole answer, so the
 * charge for the call can pass on (see `Flight.leave`).
 */
export function serveFlight<T>(
  input: CacheServe<T>,
  flight: Flight<T>,
  owner: FlightOwner<T> | null,
): Promise<Response> {
  // Each request waits on its own signal, so a client that leaves frees only its own wait.
  const abort = new UpstreamAbort(input.request.signal, 1, input.providerId);
  abort.clearDeadline();
  if (input.stream) return serveStream(input, flight, owner, abort);
  return serveJson(input, flight, owner, abort);
}

async function serveJson<T>(
  input: CacheServe<T>,
  flight: Flight<T>,
  owner: FlightOwner<T> | null,
  abort: UpstreamAbort,
): Promise<Response> {
  const items = flight.items.subscribe({ copy: structuredClone, signal: abort.signal });
  try {
    let answer: T;
    try {
      const first = await items.next();
      if (first.done === true) throw emptyFlight();
      answer = first.value;
    } catch (error) {
      flight.leave(input.record, false);
      throw upstreamFailure(error, abort, input.providerId);
    } finally {
      void items.return?.();
    }
    flight.leave(input.record, true);

    const unchecked = structuredClone(answer);
    // An answer the response pipeline changed (redacted) or blocked (threw) is not stored.
    const { response, clean } = await input.shape.json(answer);
    if (owner?.store && clean && input.shape.cacheableJson(unchecked)) {
      await owner.store({ kind: "json", response: unchecked });
    }
    return response;
  } finally {
    owner?.release();
  }
}

async function serveStream<T>(
  input: CacheServe<T>,
  flight: Flight<T>,
  owner: FlightOwner<T> | null,
  abort: UpstreamAbort,
): Promise<Response> {
  const { context, record, shape } = input;
  const items = flight.items.subscribe({ copy: structuredClone, signal: abort.signal });
  const iterator = shape.scan(items)[Symbol.asyncIterator]();

  // As on the uncached path, the first item comes before the headers, so that an early
  // failure still reaches the client as an HTTP error with its real status.
  let first: IteratorResult<T>;
  try {
    first = await iterator.next();
  } catch (error) {
    flight.leave(record, false);
    owner?.release();
    throw upstreamFailure(error, abort, input.providerId);
  }

  const sent: Sent<T> = { items: [], final: false };
  const plain = shape.format();
  const format = owner?.store ? recording(plain, sent) : plain;
  const finishOwner = async (): Promise<void> => {
    const raw = flight.items.items;
    // A format that closes the body on a final event (Anthropic's `message_stop`) leaves the
    // flight before the provider's stream has ended, so that event also counts as the end.
    const ended = flight.state === "ended" || sent.final;
    if (owner?.store && ended && shape.cacheableStream(raw, sent.items)) {
      await owner.store({ kind: "stream", chunks: [...raw] });
    }
    owner?.release();
  };
  const options = relayOptions(context, record, abort, {
    route: input.route,
    idleTimeoutMs: input.idleTimeoutMs,
    onComplete: () => {
      flight.leave(record, true);
      shape.onComplete?.();
      void finishOwner();
    },
  });
  const relayed = relayStream(first, iterator, format, {
    ...options,
    onClientGone: () => {
      flight.leave(record, false);
      owner?.release();
      options.onClientGone();
    },
    onFailure: (failure) => {
      flight.leave(record, false);
      owner?.release();
      options.onFailure(failure);
    },
  });
  return new Response(relayed, { headers: shape.streamHeaders() });
}

/** The items a client got, and whether the format closed the body on the last of them. */
interface Sent<T> {
  items: T[];
  final: boolean;
}

/** Wraps a format so that every item handed to it is also kept, as the client got it. */
function recording<T>(format: StreamFormat<T>, sent: Sent<T>): StreamFormat<T> {
  return {
    ...format,
    encode(item) {
      // A copy, since formats may change the item in place (the client's model name).
      sent.items.push(structuredClone(item));
      const framed = format.encode(item);
      if (framed.last) sent.final = true;
      return framed;
    },
  };
}

function emptyFlight(): NexusError {
  return new NexusError("upstream_invalid_response", "The provider returned an empty response.", {
    status: 502,
    type: "api_error",
  });
}
