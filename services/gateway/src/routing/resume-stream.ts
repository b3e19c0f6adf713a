/**
 * Returns a stream that yields an already-read first result, then the rest of the iterator.
 * Closing it early closes the iterator, so the upstream connection is released.
 */
export async function* resumeStream<T>(
  first: IteratorResult<T>,
  rest: AsyncIterator<T>,
): AsyncGenerator<T> {
  if (first.done === true) return;
  yield first.value;
  yield* { [Symbol.asyncIterator]: () => rest };
}
