/** Returns a stream of `text` as UTF-8 in reads of `readSize` bytes, or one read for 0. */
export function streamText(text: string, readSize = 0): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const size = readSize > 0 ? readSize : bytes.length;
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

/** Reads every item of an async iterable and returns a thrown error with the items before it. */
export async function collectUntilError<T>(
  items: AsyncIterable<T>,
): Promise<{ items: T[]; error: unknown }> {
  const collected: T[] = [];
  try {
    for await (const item of items) collected.push(item);
  } catch (error) {
    return { items: collected, error };
  }
  return { items: collected, error: null };
}
