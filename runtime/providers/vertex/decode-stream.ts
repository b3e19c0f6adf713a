/**
 * Decodes a Vertex stream with the decoder of the publisher that wrote it. Anthropic's stream
 * names every event (`event: message_start`) and its JSON carries `type`; Gemini's sends bare
 * `data:` lines of GenerateContentResponse objects. The first field line decides, and the
 * bytes read to find it are replayed in front of the rest of the stream.
 */

import type { ChatChunk } from "../../canonical/chat.ts";
import { decodeChatStream as decodeClaudeStream } from "../anthropic/decode-stream.ts";
import type { DecodeContext } from "../codec.ts";
import { decodeChatStream as decodeGeminiStream } from "../gemini/decode-stream.ts";

type Publisher = "google" | "anthropic";

export async function* decodeChatStream(
  body: ReadableStream<Uint8Array>,
  context: DecodeContext,
): AsyncGenerator<ChatChunk> {
  const reader = body.getReader();
  const peeked: Uint8Array[] = [];
  let publisher: Publisher = "google";
  let readError: { error: unknown } | null = null;

  try {
    publisher = await peekPublisher(reader, peeked);
  } catch (error) {
    // The decoder sees the failure where it happened, after the bytes that came before it.
    readError = { error };
  }

  const replay = replayStream(reader, peeked, readError);
  if (publisher === "anthropic") yield* decodeClaudeStream(replay, context);
  else yield* decodeGeminiStream(replay, context);
}

/** Reads until the first field line is whole (or the stream ends) and classifies it. */
async function peekPublisher(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  peeked: Uint8Array[],
): Promise<Publisher> {
  const decoder = new TextDecoder();
  let text = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) return classify(text, true) ?? "google";
    peeked.push(value);
    text += decoder.decode(value, { stream: true });
    const publisher = classify(text, false);
    if (publisher !== undefined) return publisher;
  }
}

/** Returns the publisher once a whole field line is in `text`, or undefined to read on. */
function classify(text: string, ended: boolean): Publisher | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  // The last piece is a whole line only when the stream has ended.
  const whole = ended ? lines : lines.slice(0, -1);
  const line = whole.find((candidate) => candidate !== "" && !candidate.startsWith(":"));
  if (line === undefined) return undefined;

  if (line.startsWith("event:")) return "anthropic";
  if (!line.startsWith("data:")) return "google";
  try {
    const payload = JSON.parse(line.slice(5)) as { type?: unknown } | null;
    return typeof payload?.type === "string" ? "anthropic" : "google";
  } catch {
    return "google";
  }
}

/** Builds a stream of the peeked bytes and then the rest of `reader`, ending as it ends. */
function replayStream(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  peeked: Uint8Array[],
  readError: { error: unknown } | null,
): ReadableStream<Uint8Array> {
  const queue = [...peeked];
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = queue.shift();
      if (next !== undefined) return controller.enqueue(next);
      if (readError !== null) return controller.error(readError.error);
      try {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  });
}
