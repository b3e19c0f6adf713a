/*
 * Anthropic's OpenAI-compatible endpoint ends its stream with "data: [DONE]\n" and no blank line.
 * The WHATWG event-stream rules discard an event that the end of the stream cuts off before its
 * blank line, so a strict parser would lose `[DONE]` and the stream would look cut. When the body
 * ends right after a line break, the last line arrived whole, so that line break is repeated to
 * close the event. A body that ends inside a line is left alone and still counts as cut.
 */

const LF = 0x0a;
const CR = 0x0d;

/** Returns the body with its last event closed when the body ends right after a line break. */
export function completeFinalEvent(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  let lastByte: number | undefined;
  const closer = new TransformStream<Uint8Array, Uint8Array>({
    transform(bytes, controller) {
      if (bytes.length > 0) lastByte = bytes[bytes.length - 1];
      controller.enqueue(bytes);
    },
    flush(controller) {
      if (lastByte === LF || lastByte === CR) controller.enqueue(new Uint8Array([lastByte]));
    },
  });
  return body.pipeThrough(closer);
}
