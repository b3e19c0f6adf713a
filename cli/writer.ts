import type { NatsConnection } from "@nats-io/transport-node";
import { parseArgs } from "node:util";
import { SqliteEventStore } from "../runtime/audit/sqlite-event-store.ts";
import { busNames, DEFAULT_BUS_PREFIX } from "../runtime/bus/bus-names.ts";
import { startBusEventWriter } from "../runtime/bus/bus-event-writer.ts";
import { NatsUnreachableError, openNats } from "../runtime/bus/open-nats.ts";
import { createLogger } from "../runtime/observability/log.ts";
import { openCliStore } from "./open-store.ts";

/** Used when neither `--nats` nor `NEXUS_NATS_URL` names a server. */
const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

/**
 * `nexus writer`: stores the traffic events of the NATS JetStream bus in the event store of
 * the config until SIGINT or SIGTERM. Run one or more next to gateways that publish to the bus.
 */
export async function runWriter(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      nats: { type: "string" },
      "bus-prefix": { type: "string", default: DEFAULT_BUS_PREFIX },
    },
  });
  const logger = createLogger();
  const names = busNames(values["bus-prefix"]);
  const url = values.nats ?? process.env.NEXUS_NATS_URL ?? DEFAULT_NATS_URL;
  // NOTE: the event store is the embedded one until backend selection by config lands.
  const { db } = await openCliStore(values.config);
  let nc: NatsConnection;
  try {
    nc = await openNats(url, { name: "nexus-writer" });
  } catch (error) {
    db.close();
    if (!(error instanceof NatsUnreachableError)) throw error;
    process.stderr.write(`nexus: ${error.message}\n`);
    return 1;
  }
  const writer = await startBusEventWriter(nc, names, new SqliteEventStore(db), logger);
  logger.log("info", "writer.started", { nats: url, stream: names.eventStream });

  const signal = await Promise.race([
    new Promise<string>((resolve) => process.once("SIGINT", () => resolve("SIGINT"))),
    new Promise<string>((resolve) => process.once("SIGTERM", () => resolve("SIGTERM"))),
    writer.done.then(() => "consumer ended"),
  ]);
  logger.log("info", "writer.stopping", { reason: signal });
  await writer.stop();
  await nc.drain();
  db.close();
  return 0;
}
