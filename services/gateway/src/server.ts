import { EventWriter } from "../../../runtime/audit/event-writer.ts";
import { SqliteEventStore } from "../../../runtime/audit/sqlite-event-store.ts";
import { SqliteSemanticEntryStore } from "../../../runtime/cache/semantic-entry-sqlite.ts";
import { SqlitePoisonPersistence } from
  "../../../runtime/cache/semantic-poison-sqlite.ts";
import type { LoadedConfig } from "../../../runtime/config/load.ts";
import { ModelCatalog } from "../../../runtime/config/models.ts";
import { OpenStreams } from "../../../runtime/controls/open-streams.ts";
import { SqliteControlStore } from "../../../runtime/controls/sqlite-control-store.ts";
import { watchControls } from "../../../runtime/controls/watch.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { loadHmacSecret } from "../../../runtime/identity/keys/digest.ts";
import { SqliteKeyStore } from "../../../runtime/identity/keys/sqlite-key-store.ts";
import { createLogger, type Logger } from "../../../runtime/observability/log.ts";
import { createGatewayMetrics } from "../../../runtime/observability/metrics.ts";
import { SqliteQuotaStore } from "../../../runtime/quota/sqlite-quota-store.ts";
import { buildSiemForwarder } from "../../../runtime/siem/build.ts";
import { openEmbeddedDatabase } from "../../../runtime/storage/embedded/open-database.ts";
import { createGatewayRoutes, routeNotFound, unhandledError } from "./routes.ts";
import { buildChatCache } from "./cache/chat-cache.ts";
import { startCaptureRetention } from "./capture-retention.ts";
import { buildCompliance } from "./compliance/build.ts";
import type { GatewayContext } from "./context.ts";
import { QuotaGate } from "./quota/quota-gate.ts";

export const DEFAULT_PORT = 3050;
const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
/** How long a store write waits for another process's lock; it blocks the event loop. */
const GATEWAY_BUSY_TIMEOUT_MS = 100;
/** How long a stop waits for in-flight requests before it closes their connections. */
const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

export interface RunningGateway {
  url: string;
  port: number;
  context: GatewayContext;
  /**
   * Stops accepting requests, lets in-flight ones finish (closing those still open after the
   * drain timeout), writes every pending event and closes the store.
   */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Overrides the config's port; 0 picks a free one (tests). */
  port?: number;
  /** How long a stop waits for in-flight requests before it ends them, in ms. */
  drainTimeoutMs?: number;
}

/** Boots the gateway on the embedded store. */
export async function startGateway(
  loaded: LoadedConfig,
  options: StartOptions = {},
): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger();
  const metrics = createGatewayMetrics();
  // Built first, so a misconfigured sink fails the boot before anything else is opened.
  const siemConfig = loaded.config.siem;
  const siem = siemConfig === undefined ? null : buildSiemForwarder({
    config: siemConfig,
    dataDir: loaded.dataDir,
    logger,
    registry: metrics.registry,
  });
  const db = openEmbeddedDatabase(loaded.dataDir, GATEWAY_BUSY_TIMEOUT_MS);
  const events = new SqliteEventStore(db);
  const catalog = new ModelCatalog(loaded.config);
  // Quota counters live in memory, and settled spend reaches SQLite behind the requests.
  const quotaStore = loaded.config.quotas === undefined
    ? null
    : new SqliteQuotaStore(db, { logger });
  const context: GatewayContext = {
    loaded,
    catalog,
    keys: new SqliteKeyStore(db),
    events,
    eventWriter: new EventWriter(events, logger, metrics, {
      onStored: siem === null ? undefined : (stored) => siem.forwardTraffic(stored),
    }),
    siem,
    hmacSecret: loadHmacSecret(loaded.config.keySecretEnv ?? "NEXUS_KEY_SECRET", loaded.dataDir),
    logger,
    metrics,
    maxBodyBytes: loaded.config.server?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    compliance: buildCompliance(loaded, logger, catalog),
    cache: buildChatCache(loaded.config.cache, catalog, new SqlitePoisonPersistence(db, logger),
      { entries: new SqliteSemanticEntryStore(db), logger }),
    controls: new SqliteControlStore(db),
    quota: loaded.config.quotas === undefined || quotaStore === null
      ? null
      : new QuotaGate(loaded.config.quotas, quotaStore, logger),
    activeStreams: new OpenStreams(),
    isStoreReady: () => {
      try {
        db.query("SELECT 1").get();
        return true;
      } catch {
        return false;
      }
    },
  };

  const hostname = loaded.config.server?.host ?? "127.0.0.1";
  const port = options.port ?? loaded.config.server?.port ?? DEFAULT_PORT;
  const server = Bun.serve({
    hostname,
    port,
    idleTimeout: 120,
    // Without this, Bun lets a second gateway bind the same port and silently take half of the
    // connections.
    reusePort: false,
    routes: createGatewayRoutes(context),
    fetch: routeNotFound,
    error: (error) => unhandledError(context, error),
  });
  const url = `http://${hostname}:${server.port}`;
  const stopWatchingControls = watchControls(context.controls, context.activeStreams, logger);
  const stopCaptureRetention = startCaptureRetention(context, db);
  logger.log("info", "gateway.started", { url, config: loaded.path, data_dir: loaded.dataDir });

  return {
    url,
    port: server.port ?? port,
    context,
    async stop() {
      logger.log("info", "gateway.stopping", { url });
      const drained = await Promise.race([
        server.stop(false).then(() => true),
        Bun.sleep(options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS).then(() => false),
      ]);
      if (!drained) {
        // Streams still open get an in-band error rather than a reset connection.
        const shutdown = new NexusError(
          "gateway_shutting_down",
          "The gateway is shutting down; retry the request.",
          { status: 503, type: "api_error" },
        );
        for (const end of [...context.activeStreams]) end(shutdown);
        await Bun.sleep(100);
        await server.stop(true);
        // Closed streams record their events from cancel callbacks; let those run first.
        await Bun.sleep(50);
      }
      stopWatchingControls();
      stopCaptureRetention();
      // Async webhook deliveries still pending are flushed or dead-lettered, within a bound.
      await context.compliance?.close();
      await context.eventWriter.close();
      // Sends what the SIEM sinks take within its bound; the rest is replayed at the next boot.
      await siem?.stop();
      // Writes the quota spend settled since the last flush, so a restart keeps it.
      quotaStore?.close();
      db.close();
      logger.log("info", "gateway.stopped", { url, drained });
    },
  };
}
