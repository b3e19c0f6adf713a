import type { Database } from "bun:sqlite";
import { describeError, type Logger } from "../observability/log.ts";
import type { ChangeSignals, ChangeTopic } from "./change-signals.ts";
import { TopicWatchers } from "./topic-watchers.ts";

/** Interval between checks of `PRAGMA data_version`, in ms. */
const DEFAULT_POLL_MS = 100;

/**
 * Change signals for the single-process mode on the embedded store. A `notify` in this process
 * reaches this process's watchers of that topic at once. A commit by another connection (the
 * CLI, a second process on the same file) shows up as a new `PRAGMA data_version`, which one
 * timer checks for every topic. That version cannot tell which table changed, so then every
 * watched topic fires.
 */
export class EmbeddedChangeSignals implements ChangeSignals {
  readonly #dataVersion: () => number;
  readonly #logger: Logger;
  readonly #pollMs: number;
  readonly #watchers: TopicWatchers;
  #lastVersion: number;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(db: Database, logger: Logger, options: { pollMs?: number } = {}) {
    const query = db.query<{ data_version: number }, []>("PRAGMA data_version");
    this.#dataVersion = () => query.get()?.data_version ?? -1;
    this.#logger = logger;
    this.#watchers = new TopicWatchers(logger);
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.#lastVersion = this.#dataVersion();
  }

  async notify(topic: ChangeTopic): Promise<void> {
    this.#watchers.fire(topic);
  }

  watch(topic: ChangeTopic, onChange: () => void): () => void {
    const watcher = (): void => onChange();
    this.#watchers.add(topic, watcher);
    this.#startPolling();
    return () => {
      this.#watchers.remove(topic, watcher);
      if (this.#watchers.size === 0) this.#stopPolling();
    };
  }

  async close(): Promise<void> {
    this.#watchers.clear();
    this.#stopPolling();
  }

  #startPolling(): void {
    if (this.#timer !== null) return;
    this.#lastVersion = this.#dataVersion();
    this.#timer = setInterval(() => this.#poll(), this.#pollMs);
    // The watcher must not keep a process alive that has nothing else to do.
    this.#timer.unref();
  }

  #stopPolling(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #poll(): void {
    let version: number;
    try {
      version = this.#dataVersion();
    } catch (error) {
      this.#logger.log("warn", "bus.data_version_failed", { error: describeError(error) });
      return;
    }
    if (version === this.#lastVersion) return;
    this.#lastVersion = version;
    for (const topic of this.#watchers.topics()) this.#watchers.fire(topic);
  }
}
