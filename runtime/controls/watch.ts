import type { ChangeSignals } from "../bus/change-signals.ts";
import { describeError, type Logger } from "../observability/log.ts";
import type { OpenStreams } from "./open-streams.ts";
import type { ControlStore } from "./control-store.ts";

/** Interval, in ms, at which open streams are checked against the engaged kill switches. */
export const CONTROL_POLL_INTERVAL_MS = 100;

export interface WatchControlsOptions {
  /** Interval between sweeps of the open streams, in ms; default 100. */
  sweepMs?: number;
  /**
   * Interval between reloads of the store when no signal arrived, in ms. At or below `sweepMs`
   * the store is reloaded on every sweep, which suits the embedded store, whose reload is one
   * `PRAGMA data_version` query unless something changed. Default: every sweep.
   */
  refreshMs?: number;
  /** Reloads the store as soon as any node or CLI notifies the `controls` topic. */
  signals?: ChangeSignals;
}

/**
 * Keeps the store's snapshot of controls current and, while any kill switch is engaged, ends
 * the open streams it covers with an in-band error. The sweep runs on every tick, not only on a
 * change, so a stream admitted just before the switch was noticed is still ended on the next
 * tick. Returns a function that stops the watch.
 */
export function watchControls(
  store: ControlStore,
  streams: OpenStreams,
  logger: Logger,
  options: WatchControlsOptions = {},
): () => void {
  const sweepMs = options.sweepMs ?? CONTROL_POLL_INTERVAL_MS;
  const refreshMs = options.refreshMs ?? sweepMs;
  let failing = false;
  let refreshing: Promise<void> | null = null;
  let refreshAgain = false;
  let refreshedAt = performance.now();

  const refresh = async (): Promise<void> => {
    refreshedAt = performance.now();
    try {
      if (await store.refresh()) {
        logger.log("info", "controls.changed", { engaged: store.engaged().length });
      }
      failing = false;
    } catch (error) {
      // Logged once per run of failures, since the reload repeats.
      if (!failing) logger.log("error", "controls.poll_failed", { error: describeError(error) });
      failing = true;
    }
  };
  // A slow production store must not stack up overlapping reloads, but a signal that arrives
  // during one gets a reload of its own after it, so its change is not missed.
  const requestRefresh = (): Promise<void> => {
    if (refreshing !== null) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = refresh().finally(() => {
      refreshing = null;
      if (refreshAgain) {
        refreshAgain = false;
        void requestRefresh().then(sweep);
      }
    });
    return refreshing;
  };
  const sweep = (): void => {
    if (streams.size === 0) return;
    const kills = store.engaged().filter((control) => control.control === "kill");
    if (kills.length === 0) return;
    const ended = streams.endCovered(kills);
    if (ended > 0) logger.log("warn", "controls.streams_ended", { streams: ended });
  };
  const tick = async (): Promise<void> => {
    const due = refreshMs <= sweepMs || performance.now() - refreshedAt >= refreshMs;
    if (due) await requestRefresh();
    sweep();
  };

  const stopSignal = options.signals?.watch("controls", () => {
    void requestRefresh().then(sweep);
  });
  const timer = setInterval(() => void tick(), sweepMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    stopSignal?.();
  };
}
