/** The pending waits of one flight lock, by flight key. Both lock backends use it. */
export class ReleaseWaiters {
  readonly #byKey = new Map<string, Set<() => void>>();

  /** Resolves when `wakeAll(key)` runs or after `timeoutMs`, whichever is first. */
  wait(key: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#byKey.get(key) ?? new Set();
      this.#byKey.set(key, waiters);
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0 && this.#byKey.get(key) === waiters) this.#byKey.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      waiters.add(wake);
    });
  }

  /** Ends every pending wait on `key`. */
  wakeAll(key: string): void {
    for (const wake of [...this.#byKey.get(key) ?? []]) wake();
  }
}
