export interface SubscribeOptions<T> {
  /** Gives each subscriber its own copy, since consumers may change items in place. */
  copy: (item: T) => T;
  /** Ends this subscriber's wait with the signal's reason; other subscribers are unaffected. */
  signal?: AbortSignal;
}

/**
 * One producer's items, buffered and shared by any number of subscribers: each subscriber
 * gets every item from the first, then follows live, then the end or the failure. When the
 * last subscriber leaves before the end, `onAbandoned` runs once so the producer can stop.
 */
export class Broadcast<T> {
  readonly #items: T[] = [];
  readonly #wakers = new Set<() => void>();
  readonly #onAbandoned: () => void;
  #state: "open" | "ended" | "failed" = "open";
  #failure: unknown;
  #subscribers = 0;
  #abandoned = false;
  readonly #settle: () => void;
  /** Resolves once the producer ended or failed, whether or not anyone still reads. */
  readonly settled: Promise<void>;

  constructor(onAbandoned: () => void) {
    this.#onAbandoned = onAbandoned;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.settled = promise;
    this.#settle = resolve;
  }

  /** Every item so far, in order; shared, so callers must not change them. */
  get items(): readonly T[] {
    return this.#items;
  }

  get state(): "open" | "ended" | "failed" {
    return this.#state;
  }

  get abandoned(): boolean {
    return this.#abandoned;
  }

  push(item: T): void {
    if (this.#state !== "open") return;
    this.#items.push(item);
    this.#wake();
  }

  end(): void {
    if (this.#state !== "open") return;
    this.#state = "ended";
    this.#settle();
    this.#wake();
  }

  fail(failure: unknown): void {
    if (this.#state !== "open") return;
    this.#state = "failed";
    this.#failure = failure;
    this.#settle();
    this.#wake();
  }

  /**
   * Returns an iterator over every item from the first. Its `return()`, a rejection caused by
   * its signal, and its end each count as leaving.
   */
  subscribe(options: SubscribeOptions<T>): AsyncIterableIterator<T> {
    this.#subscribers += 1;
    let index = 0;
    let left = false;
    const leave = (): void => {
      if (left) return;
      left = true;
      this.#subscribers -= 1;
      if (this.#subscribers === 0 && this.#state === "open" && !this.#abandoned) {
        this.#abandoned = true;
        this.#onAbandoned();
      }
    };

    const next = async (): Promise<IteratorResult<T>> => {
      while (!left) {
        if (index < this.#items.length) {
          return { done: false, value: options.copy(this.#items[index++]!) };
        }
        if (this.#state === "ended") {
          leave();
          return { done: true, value: undefined };
        }
        if (this.#state === "failed") {
          leave();
          throw this.#failure;
        }
        await this.#waitForChange(options.signal, leave);
      }
      return { done: true, value: undefined };
    };

    const iterator: AsyncIterableIterator<T> = {
      next,
      return: () => {
        leave();
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  #waitForChange(signal: AbortSignal | undefined, leave: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#wakers.delete(waker);
        leave();
        reject(signal!.reason);
      };
      const waker = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      if (signal?.aborted) return onAbort();
      this.#wakers.add(waker);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #wake(): void {
    const wakers = [...this.#wakers];
    this.#wakers.clear();
    for (const waker of wakers) waker();
  }
}
