/** Reads a Gemini `streamGenerateContent?alt=sse` body and yields canonical chunks. */

import type { ChatChunk } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { parseSse } from "../sse.ts";
import { isBrokenRead, streamCutError } from "../stream-cut.ts";
import { StreamDecoder } from "./stream-decoder.ts";
import { invalidUpstream } from "./upstream-errors.ts";
import { parseEventObject } from "../event-payload.ts";

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

  let failure: unknown = null;
  try {
    for await (const event of parseSse(body)) {
      yield* decoder.handle(parseEventPayload(event.data));
    }
  } catch (error) {
    failure = isBrokenRead(error) ? streamCutError("its finishReason", error) : error;
  }

  if (failure === null && decoder.complete) {
    yield decoder.usageChunk();
    return;
  }
  // Pass on the usage Gemini reported so far, marked partial, so the audit keeps its counts.
  if (decoder.hasUsage) yield decoder.usageChunk(true);
  throw failure ?? streamCutError("its finishReason");
}

function parseEventPayload(data: string): Record<string, unknown> {
  return parseEventObject(data, invalidUpstream, true);
}
