import type { ChangeSignals } from "../bus/change-signals.ts";
import { describeError, type Logger } from "../observability/log.ts";
import type { SemanticChange, SemanticChangeLog } from "./semantic-change-log.ts";
import type { SemanticEntryStore } from "./semantic-entry-store.ts";
import type { SemanticIndex } from "./semantic-index.ts";

/** Interval of the catch-up read that covers lost signals, in ms. */
const DEFAULT_POLL_MS = 5_000;

/** Changes read per call to the log. */
const DEFAULT_BATCH = 500;

/** The index that changes are applied to, and how to rebuild it after a gap in the log. */
export interface SemanticSyncTarget {
  index: Pick<SemanticIndex, "add" | "remove">;
  /** Adds every live persisted entry, for a node that missed changes the log no longer has. */
  reload(): Promise<void>;
}

export interface SemanticSyncOptions {
  /** The store's id in the change log. Changes of this origin are this node's own. */
  origin: string;
  signals: ChangeSignals;
  logger: Logger;
  pollMs?: number;
  batchSize?: number;
}

/**
 * Adds the semantic cache entries that other gateway nodes store to this node's index while it
 * runs, and removes the ones they delete. A write on any node is followed by a `cache-semantic`
 * signal, on which every node reads the change log from its last position. Each entry is read
 * from the store, so the signal carries no data. A lost signal only delays a change until the
 * next timed read, every `pollMs`. Changes that this node made itself are skipped, because it
 * applied them to its index when it made them.
 */
export class SemanticEntrySync {
  readonly #store: SemanticEntryStore;
  readonly #log: SemanticChangeLog;
  readonly #origin: string;
  readonly #signals: ChangeSignals;
  readonly #logger: Logger;
  readonly #batchSize: number;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #unwatch: () => void;
  /** Position in the log up to which changes are applied, null until the first read. */
  #cursor: string | null = null;
  /** True when the first read of the position failed, so an attached index may miss changes. */
  #startFailed = false;
  #target: SemanticSyncTarget | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #failing = false;
  /** Settles once the first position in the log was read or failed to be read. */
  readonly started: Promise<void>;

  constructor(store: SemanticEntryStore, log: SemanticChangeLog, options: SemanticSyncOptions) {
    this.#store = store;
    this.#log = log;
    this.#origin = options.origin;
    this.#signals = options.signals;
    this.#logger = options.logger;
    this.#batchSize = options.batchSize ?? DEFAULT_BATCH;
    this.#unwatch = this.#signals.watch("cache-semantic", () => void this.catchUp());
    this.#timer = setInterval(() => void this.catchUp(), options.pollMs ?? DEFAULT_POLL_MS);
    this.#timer.unref();
    this.started = this.catchUp();
  }

  /**
   * Applies later changes to `target`, in place of the index attached before (a config reload
   * builds a new one). Attach before the target loads the persisted entries, so that no
   * change falls between that load and the changes applied.
   */
  attach(target: SemanticSyncTarget): void {
    this.#target = target;
  }

  /** Returns `store` with a signal to every node after each write that succeeded. */
  announcing(store: SemanticEntryStore): SemanticEntryStore {
    return {
      put: async (entry) => {
        await store.put(entry);
        this.#announce();
      },
      get: (scope, id, now) => store.get(scope, id, now),
      loadLive: (now, limit) => store.loadLive(now, limit),
      delete: async (scope, id) => {
        await store.delete(scope, id);
        this.#announce();
      },
      deleteByPrompt: async (scope, promptFingerprints) => {
        const removed = await store.deleteByPrompt(scope, promptFingerprints);
        if (removed.length > 0) this.#announce();
        return removed;
      },
    };
  }

  /**
   * Reads and applies every change after the last position. Calls made while a read runs
   * fold into one more read after it. Never rejects: a failure is logged once per outage.
   */
  catchUp(): Promise<void> {
    if (this.#running !== null) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#readAll();
      } while (this.#again);
    })().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Stops the signal watch and the timer, then waits for a read in progress. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#unwatch();
    await this.#running;
  }

  #announce(): void {
    this.#signals.notify("cache-semantic").catch((error: unknown) => {
      // Other nodes still get the change at their next timed read.
      this.#logger.log("warn", "cache.semantic_signal_failed", { error: describeError(error) });
    });
  }

  async #readAll(): Promise<void> {
    try {
      if (this.#cursor === null) {
        await this.#start();
        return;
      }
      let full = true;
      while (full) {
        const batch = await this.#log.readChanges(this.#cursor, this.#batchSize);
        if (batch.gap) await this.#reload("change log trimmed past this node's position");
        for (const change of batch.changes) await this.#apply(change);
        this.#cursor = batch.cursor;
        full = batch.changes.length === this.#batchSize;
      }
      this.#recovered();
    } catch (error) {
      if (this.#failing) return;
      this.#failing = true;
      this.#logger.log("warn", "cache.semantic_sync_failed", { error: describeError(error) });
    }
  }

  /** Reads the first position, and after a failed first try reloads what may have been missed. */
  async #start(): Promise<void> {
    try {
      this.#cursor = await this.#log.changeCursor();
    } catch (error) {
      this.#startFailed = true;
      throw error;
    }
    if (this.#startFailed) await this.#reload("the change log was unreachable at start");
    this.#recovered();
  }

  async #reload(reason: string): Promise<void> {
    this.#logger.log("warn", "cache.semantic_sync_reload", { reason });
    await this.#target?.reload();
  }

  #recovered(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#logger.log("info", "cache.semantic_sync_recovered", {});
  }

  async #apply(change: SemanticChange): Promise<void> {
    const target = this.#target;
    if (change.origin === this.#origin || target === null) return;
    if (change.op === "delete") {
      target.index.remove(change.id);
      return;
    }

    const entry = await this.#store.get(change.scope, change.id, Date.now());
    if (entry === null) {
      // Deleted or expired since: its delete record, if any, follows in the log.
      target.index.remove(change.id);
      return;
    }
    // A partition starts with its scope. An entry whose partition names another scope would
    // match that scope's requests, so it is skipped and never indexed.
    if (!entry.partition.startsWith(`${entry.scope}\n`)) {
      this.#logger.log("warn", "cache.semantic_entry_scope_mismatch", {
        scope: entry.scope,
        entry_id: entry.id,
      });
      return;
    }
    target.index.add(entry.partition, entry.id, entry.vector, entry.storedAt);
  }
}
