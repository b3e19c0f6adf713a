import type { Database } from "bun:sqlite";
import { SqliteCaptureStore } from "../../../runtime/audit/capture-sqlite-store.ts";
import { type CaptureStore, captureStoreOf } from "../../../runtime/audit/capture-store.ts";
import { SpillStore } from "../../../runtime/audit/spill-store.ts";
import { describeError } from "../../../runtime/observability/log.ts";
import { captureSetup } from "./capture.ts";
import type { GatewayContext } from "./context.ts";

const DAY_MS = 86_400_000;
const MAX_PERIOD_MS = 3_600_000;
const MIN_PERIOD_MS = 1_000;
/**
 * Delay of the first prune after boot: long enough to keep it off the boot path, short enough
 * that a node restarted more often than the period still prunes.
 */
const FIRST_RUN_DELAY_MS = 5_000;

export interface CaptureRetentionOptions {
  /** Delay of the first prune after the start, in ms; default 5 seconds. */
  firstRunDelayMs?: number;
}

/**
 * Deletes captured bodies past the retention: once shortly after boot, then on a timer of a
 * quarter of the retention period, between one second and one hour. Runs whenever the config has a capture section, even with
 * capture turned off, so bodies captured earlier still expire. On PostgreSQL every node runs it,
 * because concurrent prunes do no harm (see PgCaptureStore.prune). `db` is the embedded
 * database, null in production. Returns a function that stops it.
 */
export function startCaptureRetention(context: GatewayContext, db: Database | null,
  options: CaptureRetentionOptions = {}): () => void {
  if (context.loaded.config.capture === undefined) return () => undefined;

  const { settings } = captureSetup(context.loaded, context.events);
  const captures = captureStoreOf(context.events) ??
    (db === null ? null : new SqliteCaptureStore(db, new SpillStore(settings.spillDir)));
  if (captures === null) {
    context.logger.log("error", "capture.prune_failed", { error: "no captured-body store" });
    return () => undefined;
  }
  const retentionMs = settings.retentionDays * DAY_MS;
  const periodMs = Math.min(MAX_PERIOD_MS, Math.max(MIN_PERIOD_MS, retentionMs / 4));
  let running = false;
  const run = async () => {
    // A prune slower than the period is not started twice on this node.
    if (running) return;
    running = true;
    await pruneOnce(context, captures, retentionMs);
    running = false;
  };
  const first = setTimeout(run, options.firstRunDelayMs ?? FIRST_RUN_DELAY_MS);
  const timer = setInterval(run, periodMs);
  // A pending prune must not keep the process alive after the gateway stops.
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}

async function pruneOnce(context: GatewayContext, captures: CaptureStore,
  retentionMs: number): Promise<void> {
  try {
    const result = await captures.prune(Date.now() - retentionMs);
    if (result.events > 0 || result.files > 0) {
      context.logger.log("info", "capture.pruned", { events: result.events, files: result.files });
    }
  } catch (error) {
    context.logger.log("error", "capture.prune_failed", { error: describeError(error) });
  }
}
