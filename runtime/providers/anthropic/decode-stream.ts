/** Reads an Anthropic SSE body and yields canonical chunks. */

import type { ChatChunk } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { parseEventObject, parseTypedEvents } from "../event-payload.ts";
import { readUntilFinalEvent } from "../shared/read-until-final-event.ts";
import { StreamDecoder } from "./stream-decoder.ts";
import { invalidUpstream } from "./upstream-errors.ts";

/**
 * Yields chunks as events arrive. A stream that ends before `message_stop` throws
 * `upstream_stream_cut` after every chunk decoded so far has been yielded.
 */
export async function* decodeChatStream(
  body: ReadableStream<Uint8Array>,
  context: DecodeContext,
): AsyncGenerator<ChatChunk> {
  const decoder = new StreamDecoder(context);
  yield* readUntilFinalEvent({
    events: parseTypedEvents(body, invalidUpstream),
    handle: (event) => decoder.handle(event.type, event.payload),
    done: () => decoder.done,
    // Pass on what arrived whole, then the usage the provider reported so far, marked
    // partial, so the audit keeps the real input counts.
    salvage: () => {
      const chunks = decoder.flushOnCut();
      const partial = decoder.partialUsageChunk();
      if (partial !== null) chunks.push(partial);
      return chunks;
    },
  });
}

/** Parses one stream event's data as a JSON object, or throws `upstream_invalid_response`. */
export function parseEventPayload(data: string): Record<string, unknown> {
  return parseEventObject(data, invalidUpstream);
}
