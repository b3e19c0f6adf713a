/**
 * The event stream `send` hands to decodeChatStream. It is Replicate's stream from
 * `urls.stream` (events `output`, `logs`, `error`, `done`), re-framed, with one event the
 * gateway adds on each side: `prediction`, whose data is a prediction object. The first one is
 * the create response (for the id); the last one, sent just before `done`, is the prediction read
 * from `urls.get` once the stream is done (for `metrics`, i.e. the token counts). Replicate
 * itself sends no `prediction` event, so one from upstream is dropped.
 */

import { parseSse } from "../sse.ts";
import { outputText } from "./output-text.ts";
import { errorDetail } from "./upstream-errors.ts";
import type { Prediction } from "./wire.ts";

export const PREDICTION_EVENT = "prediction";

const encoder = new TextEncoder();

export interface StreamHooks {
  /** Called when `done` or `error` arrives: the prediction has stopped. */
  onFinished(): void;
  /** Reads the final prediction, or returns null when it cannot be read. */
  readFinal(): Promise<Prediction | null>;
}

/** Re-frames the upstream stream and adds the `prediction` events; see the file comment. */
export function relayPredictionStream(
  upstream: ReadableStream<Uint8Array>,
  created: Prediction,
  hooks: StreamHooks,
): ReadableStream<Uint8Array> {
  return generatorStream(relayEvents(upstream, created, hooks));
}

async function* relayEvents(
  upstream: ReadableStream<Uint8Array>,
  created: Prediction,
  hooks: StreamHooks,
): AsyncGenerator<string> {
  yield frameEvent(PREDICTION_EVENT, JSON.stringify(created));
  for await (const event of parseSse(upstream)) {
    if (event.event === PREDICTION_EVENT) continue;
    if (event.event === "error") hooks.onFinished();
    if (event.event !== "done") {
      yield frameEvent(event.event, event.data);
      continue;
    }

    hooks.onFinished();
    const final = await hooks.readFinal();
    if (final !== null) yield frameEvent(PREDICTION_EVENT, JSON.stringify(final));
    yield frameEvent("done", event.data);
    // Replicate closes the stream after `done`; returning here also ends it if it did not.
    return;
  }
}

/**
 * Renders a finished prediction as the events its stream would have carried, for a model
 * that offers no stream URL: the whole output in one `output` event, or an `error` event.
 */
export function finishedPredictionEvents(prediction: Prediction): ReadableStream<Uint8Array> {
  const events = [frameEvent(PREDICTION_EVENT, JSON.stringify(prediction))];
  if (prediction.status === "failed") {
    events.push(frameEvent("error", JSON.stringify({ detail: errorDetail(prediction.error) })));
  } else if (prediction.status === "succeeded") {
    const text = outputText(prediction.output) ?? "";
    if (text !== "") events.push(frameEvent("output", text));
  }
  const reason = prediction.status === "canceled" ? { reason: "canceled" } : {};
  events.push(frameEvent("done", JSON.stringify(reason)));
  return generatorStream(fromArray(events));
}

/** Frames one event; each line of `data` gets its own `data:` field, as SSE requires. */
function frameEvent(name: string, data: string): string {
  const lines = data.split("\n").map((line) => `data: ${line}\n`);
  return `event: ${name}\n${lines.join("")}\n`;
}

async function* fromArray(events: string[]): AsyncGenerator<string> {
  yield* events;
}

/** Pulls the generator as the reader reads; a cancel stops it (and so the upstream read). */
function generatorStream(events: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await events.next();
      if (next.done === true) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await events.return(undefined);
    },
  });
}
