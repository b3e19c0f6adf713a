/**
 * The read loop of a streaming decoder. It yields each event's chunks until the provider's
 * final event. A body that breaks or ends before that event fails with `upstream_stream_cut`,
 * and an error from decoding is passed on, in both cases after every chunk decoded so far.
 */

import type { ChatChunk } from "../../canonical/chat.ts";
import { isBrokenRead, streamCutError } from "../stream-cut.ts";

export interface FinalEventReader<Event> {
  events: AsyncIterable<Event>;
  /** Returns the chunks of one event, or throws the provider's mapped error. */
  handle(event: Event): ChatChunk[];
  /** Whether the final event has arrived, so that reading stops. */
  done(): boolean;
  /**
   * Returns the closing chunks of a body that ended cleanly, or null when such an end is a cut.
   * Needed by providers with no end marker, whose stream is whole when the body closes.
   */
  closed?(): ChatChunk[] | null;
  /** Returns what to pass on before the error of a failed stream, e.g. partial usage. */
  salvage(): ChatChunk[];
}

export async function* readUntilFinalEvent<Event>(
  reader: FinalEventReader<Event>,
): AsyncGenerator<ChatChunk> {
  let failure: unknown = null;
  try {
    for await (const event of reader.events) {
      yield* reader.handle(event);
      if (reader.done()) return;
    }
  } catch (error) {
    failure = isBrokenRead(error) ? streamCutError(error) : error;
  }

  const closing = failure === null ? (reader.closed?.() ?? null) : null;
  if (closing !== null) {
    yield* closing;
    return;
  }
  yield* reader.salvage();
  throw failure ?? streamCutError();
}
