/** Reads a Cohere v2 SSE body and yields canonical chunks. */

import type { ChatChunk } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { parseTypedEvents } from "../event-payload.ts";
import { readUntilFinalEvent } from "../shared/read-until-final-event.ts";
import { StreamDecoder } from "./stream-decoder.ts";
import { invalidUpstream } from "./upstream-errors.ts";

/**
 * Yields chunks as events arrive. A stream that ends before `message-end` throws
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
    salvage: () => {
      const partial = decoder.partialUsageChunk();
      return partial === null ? [] : [partial];
    },
  });
}
