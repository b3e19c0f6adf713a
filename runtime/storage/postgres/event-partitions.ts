import type { Sql } from "postgres";
import { describeError, type Logger } from "../../observability/log.ts";
import { dayOf } from "./event-rows.ts";

const DAY_MS = 86_400_000;

/** Days of traffic events kept when the config sets no `eventRetentionDays`. */
export const DEFAULT_EVENT_RETENTION_DAYS = 30;

/** Partitions created ahead of today, so that no write at midnight waits on DDL. */
export const PARTITION_DAYS_AHEAD = 2;

/** Creates the daily partitions from `firstDay` to `lastDay` (`YYYY-MM-DD`, inclusive). */
export async function createEventPartitions(
  sql: Sql,
  firstDay: string,
  lastDay: string,
): Promise<number> {
  const [row] = await sql<{ created: number }[]>`
    SELECT create_traffic_event_partitions(${firstDay}::date, ${lastDay}::date) AS created`;
  return row?.created ?? 0;
}

/** Creates the partitions of today and the next `PARTITION_DAYS_AHEAD` days (UTC). */
export function createUpcomingEventPartitions(sql: Sql, now = Date.now()): Promise<number> {
  return createEventPartitions(sql, dayOf(now), dayOf(now + PARTITION_DAYS_AHEAD * DAY_MS));
}

/**
 * Drops the daily partitions that contain only events older than `retentionDays` days before
 * `now`, and the request ids recorded for them. Returns the names of the dropped partitions.
 */
export async function dropExpiredEventPartitions(
  sql: Sql,
  retentionDays: number,
  now = Date.now(),
): Promise<string[]> {
  const cutoff = dayOf(now - retentionDays * DAY_MS);
  const rows = await sql<{ name: string }[]>`
    SELECT drop_traffic_event_partitions(${cutoff}::date) AS name`;
  return rows.map((row) => row.name);
}

/** Lists the names of the existing daily partitions, oldest first. */
export async function listEventPartitions(sql: Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'traffic_events'::regclass ORDER BY c.relname`;
  return rows.map((row) => row.name);
}

export interface EventRetentionOptions {
  retentionDays?: number;
  /** Interval between runs, in ms; default one hour. */
  intervalMs?: number;
  logger: Logger;
}

/**
 * Runs the partition job now and then every `intervalMs`: creates the partitions ahead and
 * drops the expired ones. Every node may run it, since the SQL functions take an advisory lock.
 * Returns a function that stops it.
 */
export function startEventRetention(sql: Sql, options: EventRetentionOptions): () => void {
  const retentionDays = options.retentionDays ?? DEFAULT_EVENT_RETENTION_DAYS;
  const run = async (): Promise<void> => {
    try {
      const created = await createUpcomingEventPartitions(sql);
      const dropped = await dropExpiredEventPartitions(sql, retentionDays);
      if (created > 0 || dropped.length > 0) {
        options.logger.log("info", "events.partitions_maintained", {
          created,
          dropped: dropped.join(","),
        });
      }
    } catch (error) {
      options.logger.log("error", "events.partitions_failed", { error: describeError(error) });
    }
  };
  void run();
  const timer = setInterval(() => void run(), options.intervalMs ?? 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
