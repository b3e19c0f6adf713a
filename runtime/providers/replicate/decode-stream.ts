/**
 * Reads the event stream `send` builds (see stream-events.ts) and yields canonical chunks.
 * `output` events carry text, and a multi-line `data` is one piece of text joined by "\n".
 * `error` ends the stream with a mapped error after the text that arrived, and `done` ends it.
 * The gateway's `prediction` events carry the id and the final token counts.
 */

import type { ChatChunk, Usage } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { ChunkBuilder } from "../shared/chunk-builder.ts";
import { readUntilFinalEvent } from "../shared/read-until-final-event.ts";
import { parseSse, type SseEvent } from "../sse.ts";
import { maxTokensOf } from "./decode-response.ts";
import { PREDICTION_EVENT } from "./stream-events.ts";
import { errorDetail, predictionCanceled, predictionFailed } from "./upstream-errors.ts";
import { finishReason, toUsage } from "./usage.ts";
import type { Prediction } from "./wire.ts";

export async function* decodeChatStream(
  body: ReadableStream<Uint8Array>,
  context: DecodeContext,
): AsyncGenerator<ChatChunk> {
  const state = new StreamState(context);
  yield* readUntilFinalEvent({
    events: parseSse(body),
    handle: (event) => state.handle(event),
    done: () => state.done,
    salvage: () => (state.usage === undefined ? [] : [state.usageChunk(true)]),
  });
}

class StreamState {
  id = "unknown";
  usage: Usage | undefined;
  /** Whether the `done` event arrived. The caller stops reading the stream there. */
  done = false;
  readonly #chunks: ChunkBuilder;

  constructor(private readonly context: DecodeContext) {
    this.#chunks = new ChunkBuilder(context.clientModel, chunkId(this.id));
  }

  /** Returns the chunks for one event. Throws the mapped error for `error` or a cancel. */
  handle(event: SseEvent): ChatChunk[] {
    if (event.event === PREDICTION_EVENT) this.readPrediction(event.data);
    else if (event.event === "output") return this.output(event.data);
    else if (event.event === "error") throw predictionFailed(this.id, readDetail(event.data));
    else if (event.event === "done") {
      if (readReason(event.data) === "canceled") throw predictionCanceled(this.id);
      this.done = true;
      return this.end();
    }
    // `logs` and later event types carry nothing for the chat completion.
    return [];
  }

  /** Takes the id and the token counts from a `prediction` event; bad JSON is ignored. */
  readPrediction(data: string): void {
    const prediction = parseObject(data) as Prediction | null;
    if (prediction === null) return;
    if (typeof prediction.id === "string") {
      this.id = prediction.id;
      this.#chunks.id = chunkId(prediction.id);
    }
    this.usage = toUsage(prediction.metrics) ?? this.usage;
  }

  output(text: string): ChatChunk[] {
    if (text === "") return [];
    return this.#chunks.withRole([this.#chunks.chunk({ content: text })]);
  }

  /** Returns the closing chunks: finish reason, then usage (null when Replicate sent none). */
  end(): ChatChunk[] {
    const reason = finishReason(this.usage, maxTokensOf(this.context.request));
    return this.#chunks.withRole([this.#chunks.chunk({}, reason), this.usageChunk()]);
  }

  usageChunk(partial = false): ChatChunk {
    return this.#chunks.usageChunk(this.usage ?? null, partial);
  }
}

function chunkId(predictionId: string): string {
  return `chatcmpl-replicate-${predictionId}`;
}

/**
 * Reads the message of an `error` event. NOTE: the `{"detail": …}` form is assumed from the
 * problem-details shape of Replicate's HTTP errors, so plain text is accepted as it is too.
 */
function readDetail(data: string): string {
  const parsed = parseObject(data);
  if (parsed === null) return data === "" ? "no error message" : data;
  return errorDetail(parsed.detail ?? parsed.error ?? parsed);
}

/** Returns `reason` from a `done` event's data (`{}` or `{"reason":"canceled"}`). */
function readReason(data: string): string | null {
  const reason = parseObject(data)?.reason;
  return typeof reason === "string" ? reason : null;
}

function parseObject(data: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Not JSON; the caller decides what that means.
  }
  return null;
}
