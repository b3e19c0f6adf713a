/**
 * Reads the event stream `send` builds (see stream-events.ts) and yields canonical chunks.
 * `output` events carry text, and a multi-line `data` is one piece of text joined by "\n".
 * `error` ends the stream with a mapped error after the text that arrived, and `done` ends it.
 * The gateway's `prediction` events carry the id and the final token counts.
 */

import type { ChatChunk, ChunkDelta, FinishReason, Usage } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { parseSse } from "../sse.ts";
import { isBrokenRead, streamCutError } from "../stream-cut.ts";
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

  let failure: unknown = null;
  try {
    for await (const event of parseSse(body)) {
      if (event.event === PREDICTION_EVENT) state.readPrediction(event.data);
      else if (event.event === "output") yield* state.output(event.data);
      else if (event.event === "error") throw predictionFailed(state.id, readDetail(event.data));
      else if (event.event === "done") {
        if (readReason(event.data) === "canceled") throw predictionCanceled(state.id);
        yield* state.end();
        return;
      }
      // `logs` and later event types carry nothing for the chat completion.
    }
  } catch (error) {
    failure = isBrokenRead(error) ? streamCutError("the done event", error) : error;
  }

  if (state.usage !== undefined) yield { ...state.usageChunk(), usage_partial: true };
  throw failure ?? streamCutError("the done event");
}

class StreamState {
  id = "unknown";
  usage: Usage | undefined;
  readonly #created = Math.floor(Date.now() / 1000);
  #started = false;

  constructor(private readonly context: DecodeContext) {}

  /** Takes the id and the token counts from a `prediction` event; bad JSON is ignored. */
  readPrediction(data: string): void {
    const prediction = parseObject(data) as Prediction | null;
    if (prediction === null) return;
    if (typeof prediction.id === "string") this.id = prediction.id;
    this.usage = toUsage(prediction.metrics) ?? this.usage;
  }

  output(text: string): ChatChunk[] {
    if (text === "") return [];
    return [...this.#start(), this.#chunk({ content: text })];
  }

  /** Returns the closing chunks: finish reason, then usage (null when Replicate sent none). */
  end(): ChatChunk[] {
    const reason = finishReason(this.usage, maxTokensOf(this.context.request));
    return [...this.#start(), this.#chunk({}, reason), this.usageChunk()];
  }

  usageChunk(): ChatChunk {
    return { ...this.#chunk({}), choices: [], usage: this.usage ?? null };
  }

  /** The role chunk, once, before the first content. */
  #start(): ChatChunk[] {
    if (this.#started) return [];
    this.#started = true;
    return [this.#chunk({ role: "assistant", content: "" })];
  }

  #chunk(delta: ChunkDelta, reason: FinishReason | null = null): ChatChunk {
    return {
      id: `chatcmpl-replicate-${this.id}`,
      object: "chat.completion.chunk",
      created: this.#created,
      model: this.context.clientModel,
      choices: [{ index: 0, delta, finish_reason: reason }],
    };
  }
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
