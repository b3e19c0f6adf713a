/** Reads a ConverseStream body (AWS event stream messages) and yields canonical chunks. */

import type { ChatChunk } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { parseEventObject } from "../event-payload.ts";
import { readUntilFinalEvent } from "../shared/read-until-final-event.ts";
import { errorFromStream, exceptionMessage } from "./decode-error.ts";
import { type EventStreamMessage, readEventStream } from "./event-stream.ts";
import { StreamDecoder } from "./stream-decoder.ts";
import { invalidUpstream } from "./upstream-errors.ts";

/**
 * Yields chunks as events arrive. An exception message, a corrupt message or a body that
 * ends before the `metadata` event throws a NexusError after every chunk decoded so far has
 * been yielded. Bedrock reports usage only in `metadata`, the event after `messageStop`, so a
 * failed stream has no partial usage to pass on.
 */
export async function* decodeChatStream(
  body: ReadableStream<Uint8Array>,
  context: DecodeContext,
): AsyncGenerator<ChatChunk> {
  const decoder = new StreamDecoder(context);
  yield* readUntilFinalEvent({
    events: readEventStream(body),
    handle: (message) => {
      const event = readEvent(message);
      return event === null ? [] : decoder.handle(event.type, event.payload);
    },
    done: () => decoder.done,
    salvage: () => decoder.flushOnCut(),
  });
}

/**
 * Returns the event of an `event` message, or null for a message type this codec does not
 * know. Throws the mapped error for `exception` and `error` messages.
 */
function readEvent(message: EventStreamMessage) {
  const { headers, payload } = message;
  const messageType = headers[":message-type"] ?? "event";

  if (messageType === "exception") {
    throw errorFromStream(headers[":exception-type"] ?? "", exceptionMessage(payload));
  }
  if (messageType === "error") {
    const detail = headers[":error-message"] ?? "error in the event stream";
    throw errorFromStream(headers[":error-code"] ?? "", detail);
  }
  if (messageType !== "event") return null;

  const text = new TextDecoder().decode(payload);
  return { type: headers[":event-type"] ?? "", payload: parseEventObject(text, invalidUpstream) };
}
