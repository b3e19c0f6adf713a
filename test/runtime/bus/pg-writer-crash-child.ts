/**
 * A writer process for the PostgreSQL crash test. It stores its first batch of events in the
 * schema it is given, deletes their open requests, prints `committed N`, and then hangs
 * before acknowledging, until the test kills it.
 */
import type { TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import { busNames } from "../../../runtime/bus/bus-names.ts";
import { startBusEventWriter } from "../../../runtime/bus/bus-event-writer.ts";
import { openNats } from "../../../runtime/bus/open-nats.ts";
import { createLogger } from "../../../runtime/observability/log.ts";
import { openPostgres } from "../../../runtime/storage/postgres/open-postgres.ts";
import { PgEventStore } from "../../../runtime/storage/postgres/pg-event-store.ts";
import { PgOpenRequests } from "../../../runtime/storage/postgres/pg-open-requests.ts";

const [natsUrl, prefix, postgresUrl, schema] = process.argv.slice(2) as string[];
const sql = await openPostgres(postgresUrl as string, { schema, max: 2 });
const store = new PgEventStore(sql);
const open = new PgOpenRequests(sql);
let written = 0;
const crashingOpen = {
  open: (starts: Parameters<PgOpenRequests["open"]>[0]) => open.open(starts),
  list: (limit: number) => open.list(limit),
  async close(requestIds: readonly string[]): Promise<void> {
    await open.close(requestIds);
    process.stdout.write(`committed ${written}\n`);
    await new Promise<void>(() => undefined);
  },
};
const countingStore = {
  async insertBatch(events: readonly TrafficEvent[]): Promise<number> {
    written = await store.insertBatch(events);
    return written;
  },
};
const nc = await openNats(natsUrl as string);
await startBusEventWriter(nc, busNames(prefix), countingStore, createLogger(() => undefined), {
  maxBatch: 100,
  openRequests: crashingOpen,
});
