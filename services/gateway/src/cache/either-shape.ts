import type { FlightItem } from "./chat-cache.ts";
import type { AnswerShape } from "./serve-flight.ts";

/** True for a canonical chat item: a decoded chat response or chunk. */
export function isChatItem(item: unknown): item is FlightItem {
  if (typeof item !== "object" || item === null || !("object" in item)) return false;
  return item.object === "chat.completion" || item.object === "chat.completion.chunk";
}

/**
 * Returns the shape of an API whose answers come either as canonical chat items (a target
 * of another format, translated) or as the provider's own items (a target that speaks the
 * API, relayed). A routed call may fall back from one kind of target to the other, so the
 * kind is read from the items: all items of one answer come from one target.
 */
export function eitherShape<O>(
  chat: AnswerShape<FlightItem>,
  own: AnswerShape<O>,
): AnswerShape<FlightItem | O> {
  // Set by `scan` from the stream's first item, before `format` is called.
  let streamed: AnswerShape<FlightItem | O> = own as AnswerShape<FlightItem | O>;
  const pick = (item: FlightItem | O): AnswerShape<FlightItem | O> =>
    (isChatItem(item) ? chat : own) as AnswerShape<FlightItem | O>;

  return {
    json: (item) => pick(item).json(item),
    cacheableJson: (item) => pick(item).cacheableJson(item),
    async *scan(items) {
      const first = await items.next();
      if (first.done === true) return;
      streamed = pick(first.value);
      yield* streamed.scan(prepend(first.value, items));
    },
    format: () => streamed.format(),
    streamHeaders: () => streamed.streamHeaders(),
    cacheableStream: (raw, sent) =>
      raw.length > 0 && pick(raw[0]!).cacheableStream(raw, sent),
    onComplete: () => streamed.onComplete?.(),
  };
}

/** Yields `first`, then the rest; leaving early leaves `rest` too. */
async function* prepend<T>(first: T, rest: AsyncIterableIterator<T>): AsyncGenerator<T> {
  try {
    yield first;
    yield* rest;
  } finally {
    await rest.return?.();
  }
}
