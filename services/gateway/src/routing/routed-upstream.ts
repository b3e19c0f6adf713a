import type { ChatChunk, ChatResponse } from "../../../../runtime/canonical/chat.ts";
import { withRequiredNulls } from "../required-nulls.ts";
import { type UpstreamAbort, upstreamFailure } from "../upstream/call.ts";
import type { Attempted } from "./attempt-target.ts";
import type { ChatAttempt } from "./chat-attempt.ts";
import { resumeStream } from "./resume-stream.ts";

/**
 * The deadline to give a shared cache call that routes, in ms: the largest `setTimeout`
 * accepts. Routing sets the deadline of each attempt and of the whole route itself, so an
 * outer deadline would cut a fallback short.
 */
export const ROUTED_CALL_TIMEOUT_MS = 2_147_483_647;

/** A routed upstream call, aborted by `signal` (the client's, or a shared cache call's). */
export type RoutedCall<R> = (
  signal: AbortSignal,
  addSecret: (value: string) => void,
) => Promise<Attempted<R>>;

/**
 * Wraps a routed call as the upstream call the cache runs on a miss (the shape of
 * `UpstreamItems` in cache/flight.ts): it routes under the cache call's signal, then yields
 * the answer's items. A failure after the first item is mapped by the attempt's own abort,
 * so a stalled or cut stream keeps its real cause.
 */
export function routedUpstream<R, T>(
  route: RoutedCall<R>,
  items: (attempted: Attempted<R>) => AsyncIterable<T>,
): (abort: UpstreamAbort, addSecret: (value: string) => void) => AsyncIterable<T> {
  return async function* (abort, addSecret) {
    const attempted = await route(abort.signal, addSecret);
    try {
      yield* items(attempted);
    } catch (error) {
      throw upstreamFailure(error, attempted.abort, attempted.resolved.providerId);
    }
  };
}

/** Returns a chat attempt's answer as cache items: the decoded response, or the chunks. */
export function chatItems(attempted: ChatAttempt): AsyncIterable<ChatResponse | ChatChunk> {
  const { start, decodeContext } = attempted.reply;
  if (start.kind === "stream") return resumeStream(start.first, start.rest);
  const answer = withRequiredNulls(attempted.codec.decodeChatResponse(start.json, decodeContext));
  return (async function* () {
    yield answer;
  })();
}
