import { errorFromEvent } from "../../../../runtime/providers/anthropic/decode-error.ts";
import { parseEventPayload } from "../../../../runtime/providers/anthropic/decode-stream.ts";
import { invalidUpstream } from "../../../../runtime/providers/anthropic/upstream-errors.ts";
import { parseSse } from "../../../../runtime/providers/sse.ts";
import { isBrokenRead, streamCutError } from "../../../../runtime/providers/stream-cut.ts";
import { withOverloadStatus } from "./messages-upstream.ts";

/** One event of an Anthropic Messages stream, with its JSON data parsed. */
export interface MessagesEvent {
  /** The JSON `type`, or the SSE `event:` name when the data has none. */
  type: string;
  payload: Record<string, unknown>;
}

/** Event types as Anthropic names them (`message_start`, `content_block_delta`, …). */
const EVENT_TYPE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Yields the provider's stream events up to and including `message_stop`. The iterator throws
 * the mapped NexusError for an `error` event, and `upstream_stream_cut` when the stream ends or
 * breaks before `message_stop`, after yielding every event that arrived whole.
 */
export async function* readMessagesEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<MessagesEvent> {
  let readError: unknown = null;
  try {
    for await (const event of parseSse(body)) {
      const payload = parseEventPayload(event.data);
      const type = typeof payload.type === "string" ? payload.type : event.event;
      // The type is written back into an `event:` line; a line break in it would let the
      // provider inject events the gateway never inspected.
      if (!EVENT_TYPE.test(type)) {
        throw invalidUpstream(`a stream event has an invalid type: ${JSON.stringify(type)}`);
      }
      if (type === "error") throw errorFromPayload(payload);

      yield { type, payload };
      if (type === "message_stop") return;
    }
  } catch (error) {
    if (!isBrokenRead(error)) throw error;
    readError = error;
  }
  throw streamCutError(readError);
}

function errorFromPayload(payload: Record<string, unknown>): unknown {
  const error = (payload.error ?? {}) as { type?: unknown; message?: unknown };
  const type = typeof error.type === "string" ? error.type : "api_error";
  const message = typeof error.message === "string" ? error.message : "error event in stream";
  return withOverloadStatus(errorFromEvent(type, message));
}
