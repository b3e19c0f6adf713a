// The event write path alone: this process publishes traffic events to the JetStream stream as
// fast as NATS acknowledges them, while one or more `nexus writer` processes commit them to
// PostgreSQL. Sampled twice a second, so the backlog over time shows which side keeps up.
import type { Sql } from "postgres";
import { openBusEventPublisher } from "../../runtime/bus/bus-event-publisher.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { createGatewayMetrics } from "../../runtime/observability/metrics.ts";
import { busEvent } from "../../test/runtime/bus/support.ts";
import type { NatsTestContext } from "../../test/support/nats.ts";

/** Events queued in the publisher at most, so memory stays bounded when NATS is slower. */
const MAX_PENDING = 2000;
const SAMPLE_MS = 500;
/** How long the writers may take to drain the backlog after publishing stops. */
const DRAIN_TIMEOUT_MS = 60_000;

export interface WritePathSample {
  atMs: number;
  published: number;
  committed: number;
}

export interface WritePathResult {
  writers: number;
  published: number;
  publishSeconds: number;
  /** Seconds from the start until the last event was committed (or the drain timed out). */
  commitSeconds: number;
  committed: number;
  maxBacklog: number;
  samples: WritePathSample[];
}

async function committedRows(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM traffic_events`;
  return row?.n ?? 0;
}

/**
 * Publishes for `durationMs`, then waits for the writers to commit everything. `baseline` is
 * the row count before this cell, since cells share the table.
 */
export async function measureWritePath(nats: NatsTestContext, sql: Sql, writers: number,
  durationMs: number): Promise<WritePathResult> {
  const baseline = await committedRows(sql);
  const publisher = await openBusEventPublisher(nats.nc, nats.names, createLogger(() => {}),
    createGatewayMetrics());
  const samples: WritePathSample[] = [];
  let written = 0;
  const start = performance.now();
  const published = () => written - publisher.pending;

  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await Bun.sleep(SAMPLE_MS);
      const committed = await committedRows(sql) - baseline;
      samples.push({ atMs: performance.now() - start, published: published(), committed });
    }
  })();

  while (performance.now() - start < durationMs) {
    while (publisher.pending < MAX_PENDING) {
      publisher.write(busEvent());
      written += 1;
    }
    await Bun.sleep(1);
  }
  await publisher.close();
  const publishSeconds = (performance.now() - start) / 1000;

  const drainDeadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (performance.now() < drainDeadline && await committedRows(sql) - baseline < written) {
    await Bun.sleep(100);
  }
  const commitSeconds = (performance.now() - start) / 1000;
  sampling = false;
  await sampler;

  const committed = await committedRows(sql) - baseline;
  const maxBacklog = Math.max(0, ...samples.map((s) => s.published - s.committed));
  return { writers, published: written, publishSeconds, commitSeconds, committed, maxBacklog,
    samples };
}
