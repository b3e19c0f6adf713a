/**
 * A writer process for the crash test. It stores its first batch, prints `committed N`, and
 * then hangs before acknowledging, until the test kills it.
 */
import { SqliteEventStore } from "../../../runtime/audit/sqlite-event-store.ts";
import type { TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import { busNames } from "../../../runtime/bus/bus-names.ts";
import { startBusEventWriter } from "../../../runtime/bus/bus-event-writer.ts";
import { openNats } from "../../../runtime/bus/open-nats.ts";
import { createLogger } from "../../../runtime/observability/log.ts";
import { openEmbeddedDatabase } from "../../../runtime/storage/embedded/open-database.ts";

const [url, prefix, dataDir] = process.argv.slice(2) as [string, string, string];
const store = new SqliteEventStore(openEmbeddedDatabase(dataDir));
const crashingStore = {
  async insertBatch(events: readonly TrafficEvent[]): Promise<number> {
    const written = await store.insertBatch(events);
    process.stdout.write(`committed ${written}\n`);
    return await new Promise<number>(() => undefined);
  },
};
const nc = await openNats(url);
await startBusEventWriter(nc, busNames(prefix), crashingStore, createLogger(() => undefined), {
  maxBatch: 100,
});
