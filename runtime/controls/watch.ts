import { describeError, type Logger } from "../observability/log.ts";
import type { OpenStreams } from "./open-streams.ts";
import type { ControlStore } from "./control-store.ts";

/** Interval, in ms, at which a running gateway looks for controls written by the CLI. */
export const CONTROL_POLL_INTERVAL_MS = 100;

/**
 * Polls the store for control changes and, while any kill switch is engaged, ends the open
 * streams it covers with an in-band error. The sweep runs on every tick, not only on a change,
 * so a stream admitted just before the switch was noticed is still ended on the next tick.
 * Returns a function that stops the polling.
 */
export function watchControls(
  store: ControlStore,
  streams: OpenStreams,
  logger: Logger,
  intervalMs = CONTROL_POLL_INTERVAL_MS,
): () => void {
  let failing = false;
  let running = false;
  const tick = async (): Promise<void> => {
    // A slow production store must not stack up overlapping reloads.
    if (running) return;
    running = true;
    try {
      if (await store.refresh()) {
        logger.log("info", "controls.changed", { engaged: store.engaged().length });
      }
      if (streams.size === 0) return;
      const kills = store.engaged().filter((control) => control.control === "kill");
      if (kills.length === 0) return;
      const ended = streams.endCovered(kills);
      if (ended > 0) logger.log("warn", "controls.streams_ended", { streams: ended });
      failing = false;
    } catch (error) {
      // Logged once per run of failures, since the poll repeats ten times a second.
      if (!failing) logger.log("error", "controls.poll_failed", { error: describeError(error) });
      failing = true;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
