import { describeError, type Logger } from "../observability/log.ts";
import type { ChangeTopic } from "./change-signals.ts";

/**
 * The watchers of each change topic, shared by every `ChangeSignals` implementation. Firing a
 * topic calls each of its watchers, and one that throws is logged without stopping the rest.
 */
export class TopicWatchers {
  readonly #watchers = new Map<ChangeTopic, Set<() => void>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Number of topics with at least one watcher. */
  get size(): number {
    return this.#watchers.size;
  }

  /** Returns the topics with at least one watcher. */
  topics(): ChangeTopic[] {
    return [...this.#watchers.keys()];
  }

  /** Adds a watcher and returns true when it is the topic's first one. */
  add(topic: ChangeTopic, watcher: () => void): boolean {
    let watchers = this.#watchers.get(topic);
    const first = watchers === undefined;
    if (watchers === undefined) {
      watchers = new Set();
      this.#watchers.set(topic, watchers);
    }
    watchers.add(watcher);
    return first;
  }

  /** Removes a watcher and returns true when the topic has none left. */
  remove(topic: ChangeTopic, watcher: () => void): boolean {
    const watchers = this.#watchers.get(topic);
    if (watchers === undefined || !watchers.delete(watcher) || watchers.size > 0) return false;
    this.#watchers.delete(topic);
    return true;
  }

  /** Calls every watcher of `topic`. It iterates a copy, so a watcher may unwatch itself. */
  fire(topic: ChangeTopic): void {
    for (const watcher of [...(this.#watchers.get(topic) ?? [])]) {
      try {
        watcher();
      } catch (error) {
        this.#logger.log("error", "bus.change_watcher_failed", {
          topic,
          error: describeError(error),
        });
      }
    }
  }

  clear(): void {
    this.#watchers.clear();
  }
}
