import type { Database } from "bun:sqlite";
import { pruneCapturedBodies } from "../../../runtime/audit/capture-prune.ts";
import { describeError } from "../../../runtime/observability/log.ts";
import { captureSetup } from "./capture.ts";
import type { GatewayContext } from "./context.ts";

const DAY_MS = 86_400_000;
const MAX_PERIOD_MS = 3_600_000;
const MIN_PERIOD_MS = 1_000;

/**
 * Deletes captured bodies past the retention on a timer: a quarter of the retention period,
 * between one second and one hour. Runs whenever the config has a capture section, even with
 * capture turned off, so bodies captured earlier still expire. Returns a function that stops it.
 */
export function startCaptureRetention(context: GatewayContext, db: Database): () => void {
  if (context.loaded.config.capture === undefined) return () => undefined;

  const { settings } = captureSetup(context.loaded);
  const retentionMs = settings.retentionDays * DAY_MS;
  const periodMs = Math.min(MAX_PERIOD_MS, Math.max(MIN_PERIOD_MS, retentionMs / 4));
  const timer = setInterval(() => pruneOnce(context, db, retentionMs), periodMs);
  // A pending prune must not keep the process alive after the gateway stops.
  timer.unref();
  return () => clearInterval(timer);
}

function pruneOnce(context: GatewayContext, db: Database, retentionMs: number): void {
  const { spill } = captureSetup(context.loaded);
  try {
    const result = pruneCapturedBodies(db, spill, Date.now() - retentionMs);
    if (result.events > 0 || result.files > 0) {
      context.logger.log("info", "capture.pruned", { events: result.events, files: result.files });
    }
  } catch (error) {
    context.logger.log("error", "capture.prune_failed", { error: describeError(error) });
  }
}
