import { join } from "node:path";
import { openBusEventPublisher } from "../../../../runtime/bus/bus-event-publisher.ts";
import { startBusEventWriter } from "../../../../runtime/bus/bus-event-writer.ts";
import { NatsChangeSignals } from "../../../../runtime/bus/nats-change-signals.ts";
import { newNodeId, startNodeHeartbeat } from "../../../../runtime/bus/node-heartbeat.ts";
import { startOpenRequestTracker } from "../../../../runtime/bus/open-request-tracker.ts";
import { startSiemFeed } from "../../../../runtime/bus/siem-feed.ts";
import { SpillFile } from "../../../../runtime/bus/spill-file.ts";
import type { LoadedConfig } from "../../../../runtime/config/load.ts";
import { busWriterMetricHooks } from "../../../../runtime/observability/bus-writer-metrics.ts";
import { ValkeyWindowCounter } from "../../../../runtime/hooks/valkey-window-counter.ts";
import { ValkeyQuotaStore } from "../../../../runtime/quota/valkey-quota-store.ts";
import { startEventRetention } from "../../../../runtime/storage/postgres/event-partitions.ts";
import { checkKeySecret } from "../../../../runtime/storage/postgres/key-secret-verifier.ts";
import { PgConfigDocuments } from "../../../../runtime/storage/postgres/pg-config-documents.ts";
import { PgControlStore } from "../../../../runtime/storage/postgres/pg-control-store.ts";
import { PgEventStore } from "../../../../runtime/storage/postgres/pg-event-store.ts";
import { PgKeyStore } from "../../../../runtime/storage/postgres/pg-key-store.ts";
import { PgOpenRequests } from "../../../../runtime/storage/postgres/pg-open-requests.ts";
import { valkeyCacheBackends } from "../cache/cache-backends.ts";
import type { Backends, OpenBackendsOptions } from "./backends.ts";
import { probe } from "./backends.ts";
import { keySecretEnvName, resolveHmacSecret } from "./key-secret.ts";
import {
  connectProductionServices, type ProductionClients, productionSettings,
} from "./production-services.ts";
import { PublisherAuditSink } from "./publisher-sink.ts";

/**
 * Without a change signal (NATS down, a signal lost), each node still reloads the kill
 * switches and passthrough flags at this interval, in ms.
 */
const CONTROLS_SAFETY_POLL_MS = 5000;

/**
 * Opens the set that many nodes share: keys, events and controls in PostgreSQL, quota and
 * rate-limit counters in Valkey, and change signals over NATS. Traffic events are published to
 * NATS JetStream. Unless `storage.nats.writer` is false, a consumer in this process also
 * stores them in PostgreSQL. Fails with `BackendUnavailableError` naming every unreachable
 * service, and with `ConfigError` when the key secret is missing, too short, or differs from
 * the one whose verifier the deployment's PostgreSQL stores.
 */
export async function openProductionBackends(loaded: LoadedConfig,
  options: OpenBackendsOptions): Promise<Backends> {
  const settings = productionSettings(loaded);
  const hmacSecret = resolveHmacSecret(loaded, "production");
  const clients = await connectProductionServices(settings, "nexus-gateway");
  try {
    await checkKeySecret(clients.sql, hmacSecret, keySecretEnvName(loaded));
    return await assemble(loaded, options, settings, clients, hmacSecret);
  } catch (error) {
    await closeClients(clients);
    throw error;
  }
}

async function assemble(loaded: LoadedConfig, options: OpenBackendsOptions,
  settings: ReturnType<typeof productionSettings>, clients: ProductionClients,
  hmacSecret: string): Promise<Backends> {
  const { logger, metrics, siem } = options;
  const { sql, valkey, nc } = clients;
  const keys = new PgKeyStore(sql);
  const events = new PgEventStore(sql);
  const controls = await PgControlStore.open(sql);
  // Events a stop during a NATS outage could not publish wait here for the next boot.
  const spill = new SpillFile(join(loaded.dataDir, "bus-spill"),
    { maxBytes: settings.spillMaxBytes });
  const publisher = await openBusEventPublisher(nc, settings.bus, logger, metrics, { spill });
  publisher.republishSpilled(spill);
  const auditSink = new PublisherAuditSink(publisher);
  // Beats before the first request is admitted, so writers know this node is alive.
  const nodeId = newNodeId();
  const heartbeat = startNodeHeartbeat(nc, settings.bus, nodeId, logger);
  const openRequests = new PgOpenRequests(sql);
  const counted = busWriterMetricHooks(metrics);
  const writer = settings.writer
    ? await startBusEventWriter(nc, settings.bus, events, logger,
      { openRequests, onCommitted: counted.onCommitted })
    : null;
  const tracker = settings.writer
    ? await startOpenRequestTracker(nc, settings.bus, events, openRequests, logger,
      { onLost: counted.onLost })
    : null;
  // Every node feeds the one durable consumer, so the SIEM gets each event once in total.
  const siemFeed = siem === null ? null : await startSiemFeed(nc, settings.bus, siem, logger);
  const signals = new NatsChangeSignals(nc, settings.bus.changeSubjectPrefix, logger);
  const stopKeyWatch = signals.watch("keys", () => keys.invalidate());
  const stopRetention = startEventRetention(sql, {
    retentionDays: settings.eventRetentionDays,
    logger,
  });
  // The signals bring semantic cache entries stored on other nodes into this node's index.
  const cacheBackends = valkeyCacheBackends(valkey, `${settings.valkeyPrefix}cache:`, logger,
    signals);
  // Opened even without a `quotas` section, which a pushed config can add at runtime.
  const quotaStore = new ValkeyQuotaStore(valkey, { prefix: settings.valkeyPrefix, logger });

  return {
    mode: "production",
    keys,
    events,
    controls,
    auditSink,
    quotaStore,
    auditHooks: {
      auditStart: (start) => publisher.started({ ...start, nodeId }),
      auditSettled: (requestId) => publisher.settled(requestId),
      auditStartSettled: (requestId) => publisher.startSettled(requestId),
    },
    rateCounter: new ValkeyWindowCounter(valkey, settings.valkeyPrefix),
    signals,
    configDocuments: new PgConfigDocuments(sql),
    hmacSecret,
    db: null,
    controlsRefreshMs: CONTROLS_SAFETY_POLL_MS,
    cacheBackends,
    ready: () => Promise.all([
      probe("postgres", () => sql`SELECT 1`),
      probe("valkey", () => valkey.ping()),
      probe("nats", async () => {
        if (nc.isClosed()) throw new Error("connection closed");
        await nc.flush();
      }),
    ]),
    async close() {
      // Requests have stopped, but the INSERTs of their last spill chunks may still be queued.
      await events.captures.spill.drain({ logger });
      await auditSink.close();
      heartbeat.stop();
      await siemFeed?.stop();
      await tracker?.stop();
      await writer?.stop();
      stopKeyWatch();
      await signals.close();
      stopRetention();
      await cacheBackends.close();
      // Settles of the last requests run after their responses; they finish before Valkey closes.
      await quotaStore.close();
      await closeClients(clients);
    },
  };
}

async function closeClients(clients: ProductionClients): Promise<void> {
  await clients.nc.drain().catch(() => undefined);
  await clients.sql.end({ timeout: 5 });
  await clients.valkey.quit().catch(() => clients.valkey.disconnect());
}
