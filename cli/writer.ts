import type { NatsConnection } from "@nats-io/transport-node";
import { parseArgs } from "node:util";
import { busNames, DEFAULT_BUS_PREFIX } from "../runtime/bus/bus-names.ts";
import { startBusEventWriter } from "../runtime/bus/bus-event-writer.ts";
import { NatsUnreachableError, openNats } from "../runtime/bus/open-nats.ts";
import { startOpenRequestTracker } from "../runtime/bus/open-request-tracker.ts";
import { createLogger } from "../runtime/observability/log.ts";
import { maskUrl } from "../services/gateway/src/backends/service-error.ts";
import { productionSettings } from "../services/gateway/src/backends/production-services.ts";
import { openCliStore } from "./open-store.ts";

/** Used on the embedded store when neither `--nats` nor `NEXUS_NATS_URL` names a server. */
const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

/**
 * `nexus writer`: stores the traffic events of the NATS JetStream bus in the event store of
 * the config (PostgreSQL in production, else the embedded SQLite file) until SIGINT or
 * SIGTERM. Run one or more next to gateways that publish to the bus; they share one durable
 * consumer, so each event is stored once.
 */
export async function runWriter(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      nats: { type: "string" },
      "bus-prefix": { type: "string" },
    },
  });
  const logger = createLogger();
  const cli = await openCliStore(values.config);
  const production = cli.mode === "production" ? productionSettings(cli.loaded) : null;
  const names = values["bus-prefix"] === undefined
    ? production?.bus ?? busNames(DEFAULT_BUS_PREFIX)
    : busNames(values["bus-prefix"]);
  const url = values.nats ?? production?.natsUrl ?? process.env.NEXUS_NATS_URL ??
    DEFAULT_NATS_URL;
  let nc: NatsConnection;
  try {
    nc = await openNats(url, { name: "nexus-writer" });
  } catch (error) {
    await cli.close();
    if (!(error instanceof NatsUnreachableError)) throw error;
    process.stderr.write(`nexus: ${error.message}\n`);
    return 1;
  }
  let writer: Awaited<ReturnType<typeof startBusEventWriter>>;
  let tracker: Awaited<ReturnType<typeof startOpenRequestTracker>>;
  try {
    writer = await startBusEventWriter(nc, names, cli.events, logger, {
      openRequests: cli.openRequests,
    });
    // Turns the requests of a gateway that stopped beating into `gateway_lost` events.
    tracker = await startOpenRequestTracker(nc, names, cli.events, cli.openRequests, logger);
  } catch (error) {
    // An open connection would keep the process alive after the error is reported.
    await nc.close().catch(() => undefined);
    await cli.close();
    throw error;
  }
  logger.log("info", "writer.started", {
    nats: maskUrl(url),
    stream: names.eventStream,
    store: cli.mode === "production" ? "postgres" : "sqlite",
  });

  const signal = await Promise.race([
    new Promise<string>((resolve) => process.once("SIGINT", () => resolve("SIGINT"))),
    new Promise<string>((resolve) => process.once("SIGTERM", () => resolve("SIGTERM"))),
    writer.done.then(() => "consumer ended"),
    tracker.done.then(() => "start consumer ended"),
  ]);
  logger.log("info", "writer.stopping", { reason: signal });
  await tracker.stop();
  await writer.stop();
  await nc.drain();
  await cli.close();
  return 0;
}
