import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { describeError, type Logger } from "../observability/log.ts";
import type { ChangeSignals, ChangeTopic } from "./change-signals.ts";
import { TopicWatchers } from "./topic-watchers.ts";

/**
 * Change signals over core NATS subjects `<prefix>.<topic>`. A signal carries no data: it only
 * tells each node to reload from the store, so losing one costs a stale cache, not state.
 * Core NATS loses signals only while a node is disconnected, so on every reconnect each watched
 * topic fires once, which reloads whatever changed in the gap. A node that starts reads the
 * store anyway. JetStream would add storage and acknowledgements for no gain here.
 */
export class NatsChangeSignals implements ChangeSignals {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #logger: Logger;
  readonly #watchers: TopicWatchers;
  readonly #subscriptions = new Map<ChangeTopic, Subscription>();
  #closed = false;

  /** `prefix` is the subject prefix, e.g. `nexus.changes` (see `busNames`). */
  constructor(nc: NatsConnection, prefix: string, logger: Logger) {
    this.#nc = nc;
    this.#prefix = prefix;
    this.#logger = logger;
    this.#watchers = new TopicWatchers(logger);
    void this.#watchReconnects();
  }

  async notify(topic: ChangeTopic): Promise<void> {
    this.#nc.publish(this.#subject(topic));
    // Resolves once the server has the signal, which is what `notify` promises.
    await this.#nc.flush();
  }

  watch(topic: ChangeTopic, onChange: () => void): () => void {
    const watcher = (): void => onChange();
    if (this.#watchers.add(topic, watcher)) {
      this.#subscriptions.set(topic, this.#nc.subscribe(this.#subject(topic), {
        callback: (error) => {
          if (error !== null) {
            this.#logger.log("warn", "bus.change_signal_failed", {
              topic,
              error: describeError(error),
            });
            return;
          }
          this.#watchers.fire(topic);
        },
      }));
    }
    return () => this.#unwatch(topic, watcher);
  }

  /** Stops every watch; the connection stays open for its owner to close. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const subscription of this.#subscriptions.values()) subscription.unsubscribe();
    this.#subscriptions.clear();
    this.#watchers.clear();
  }

  #subject(topic: ChangeTopic): string {
    return `${this.#prefix}.${topic}`;
  }

  #unwatch(topic: ChangeTopic, watcher: () => void): void {
    if (!this.#watchers.remove(topic, watcher)) return;
    this.#subscriptions.get(topic)?.unsubscribe();
    this.#subscriptions.delete(topic);
  }

  async #watchReconnects(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (this.#closed) return;
      if (status.type !== "reconnect") continue;
      this.#logger.log("info", "bus.change_signals_reconnected", {
        topics: this.#watchers.topics().join(","),
      });
      for (const topic of this.#watchers.topics()) this.#watchers.fire(topic);
    }
  }
}
