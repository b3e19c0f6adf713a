import { parseEventObject } from "../../../../runtime/providers/event-payload.ts";
import { isRecord } from "../../../../runtime/providers/openai/is-record.ts";
import { decodeStreamError } from "../../../../runtime/providers/openai/stream-error.ts";
import { parseSse } from "../../../../runtime/providers/sse.ts";
import { isBrokenRead, streamCutError } from "../../../../runtime/providers/stream-cut.ts";
import { EVENT_NAME } from "./sse-frame.ts";
import { invalidResponsesUpstream } from "./upstream-errors.ts";

/** One event of a Responses stream: its type, its data text as sent, and the parsed data. */
export interface ResponsesEvent {
  type: string;
  data: string;
  payload: Record<string, unknown>;
}

/** Events that end a Responses stream that did not fail. */
const TERMINAL_EVENTS = new Set(["response.completed", "response.incomplete"]);

/**
 * Yields a provider's Responses events up to and including `response.completed` or
 * `response.incomplete`. The iterator throws the mapped NexusError for an `error` or
 * `response.failed` event, and `upstream_stream_cut` when the stream ends or breaks before a
 * final event, after yielding every event that arrived whole.
 */
export async function* readResponsesEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ResponsesEvent> {
  let readError: unknown = null;
  try {
    for await (const event of parseSse(body)) {
      const payload = parseEventObject(event.data, invalidResponsesUpstream);
      const type = typeof payload.type === "string" ? payload.type : event.event;
      if (!EVENT_NAME.test(type)) {
        const quoted = JSON.stringify(type);
        throw invalidResponsesUpstream(`a stream event has an invalid type: ${quoted}`);
      }
      if (type === "error") throw decodeStreamError(payload);
      if (type === "response.failed") throw failedResponseError(payload);

      yield { type, data: event.data, payload };
      if (TERMINAL_EVENTS.has(type)) return;
    }
  } catch (error) {
    if (!isBrokenRead(error)) throw error;
    readError = error;
  }
  throw streamCutError(readError);
}

/**
 * Maps `response.failed` to the client's error. Its `response.error` carries a `code` such as
 * `server_error` or `rate_limit_exceeded`, from which the status is inferred.
 */
function failedResponseError(payload: Record<string, unknown>): unknown {
  const response = isRecord(payload.response) ? payload.response : {};
  const error = isRecord(response.error) ? response.error : { message: "The response failed." };
  return decodeStreamError({ error });
}
