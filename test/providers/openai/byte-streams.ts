import { byteStream, collectWithError } from "../../support/byte-stream.ts";

/** Returns a stream of `text` as UTF-8 in reads of `readSize` bytes, or one read for 0. */
export function streamText(text: string, readSize = 0): ReadableStream<Uint8Array> {
  return byteStream(new TextEncoder().encode(text), readSize);
}

/** Reads every item of an async iterable and returns a thrown error with the items before it. */
export async function collectUntilError<T>(
  items: AsyncIterable<T>,
): Promise<{ items: T[]; error: unknown }> {
  const { chunks, error } = await collectWithError(items);
  return { items: chunks, error };
}
