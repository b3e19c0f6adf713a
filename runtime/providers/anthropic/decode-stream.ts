/** Reads an Anthropic SSE body and yields canonical chunks. */

import type { ChatChunk } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { parseSse } from "../sse.ts";
import { isBrokenRead, streamCutError } from "../stream-cut.ts";
import { StreamDecoder } from "./stream-decoder.ts";
import { invalidUpstream } from "./upstream-errors.ts";
import { parseEventObject } from "../event-payload.ts";

/**
 * Yields chunks as events arrive. A stream that ends before `message_stop` throws
 * `upstream_stream_cut` after every chunk decoded so far has been yielded.
 */
export async function* decodeChatStream(
  body: ReadableStream<Uint8Array>,
  context: DecodeContext,
): AsyncGenerator<ChatChunk> {
  const decoder = new StreamDecoder(context);

  let failure: unknown = null;
  try {
    for await (const event of parseSse(body)) {
      const payload = parseEventPayload(event.data);
      // The JSON `type` names the event; the SSE `event:` line repeats it and is the fallback.
      const type = typeof payload.type === "string" ? payload.type : event.event;
      yield* decoder.handle(type, payload);
      if (decoder.done) return;
    }
  } catch (error) {
    failure = isBrokenRead(error) ? streamCutError("message_stop", error) : error;
  }

  // The stream failed before message_stop: pass on what arrived whole, then the usage the
  // provider reported so far, marked partial, so the audit keeps the real input counts.
  yield* decoder.flushOnCut();
  const partial = decoder.partialUsageChunk();
  if (partial !== null) yield partial;
  throw failure ?? streamCutError("message_stop");
}

/** Parses one stream event's data as a JSON object, or throws `upstream_invalid_response`. */
export function parseEventPayload(data: string): Record<string, unknown> {
  return parseEventObject(data, invalidUpstream);
}
