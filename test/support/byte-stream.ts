/** Creates a stream that returns `bytes` in reads of at most `size` bytes (all at once for 0). */
export function byteStream(bytes: Uint8Array, size = 0): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      const end = size === 0 ? bytes.length : Math.min(offset + size, bytes.length);
      controller.enqueue(bytes.slice(offset, end));
      offset = end;
    },
  });
}

/** Reads an async iterable to the end, keeping the items and the error thrown, if any. */
export async function collectWithError<T>(
  items: AsyncIterable<T>,
): Promise<{ chunks: T[]; error: unknown }> {
  const chunks: T[] = [];
  try {
    for await (const item of items) chunks.push(item);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: null };
}
