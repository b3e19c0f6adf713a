/** Reads a Gemini `streamGenerateContent?alt=sse` body and yields canonical chunks. */

import type { ChatChunk } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { parseEventObject } from "../event-payload.ts";
import { readUntilFinalEvent } from "../shared/read-until-final-event.ts";
import { parseSse } from "../sse.ts";
import { StreamDecoder } from "./stream-decoder.ts";
import { invalidUpstream } from "./upstream-errors.ts";

/**
 * Yields chunks as events arrive, then the usage chunk once the stream closes. A stream that
 * closes before every candidate finished throws `upstream_stream_cut` after every chunk
 * decoded so far has been yielded.
 */
export async function* decodeChatStream(
  body: ReadableStream<Uint8Array>,
  context: DecodeContext,
): AsyncGenerator<ChatChunk> {
  const decoder = new StreamDecoder(context);
  yield* readUntilFinalEvent({
    events: parseSse(body),
    handle: (event) => decoder.handle(parseEventObject(event.data, invalidUpstream, true)),
    // Gemini sends no end marker, so only a clean close shows the stream is whole.
    done: () => false,
    closed: () => (decoder.complete ? [decoder.usageChunk()] : null),
    // Pass on the usage Gemini reported so far, marked partial, so the audit keeps its counts.
    salvage: () => (decoder.hasUsage ? [decoder.usageChunk(true)] : []),
  });
}
