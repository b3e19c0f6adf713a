import type { LoadedConfig } from "../../../runtime/config/load.ts";
import { ModelCatalog } from "../../../runtime/config/models.ts";
import { OpenStreams } from "../../../runtime/controls/open-streams.ts";
import { watchControls } from "../../../runtime/controls/watch.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { createLogger, type Logger } from "../../../runtime/observability/log.ts";
import {
  createGatewayMetrics, type GatewayMetrics,
} from "../../../runtime/observability/metrics.ts";
import { buildSiemForwarder } from "../../../runtime/siem/build.ts";
import type { SiemForwarder } from "../../../runtime/siem/forwarder.ts";
import { createGatewayRoutes, routeNotFound, unhandledError } from "./routes.ts";
import { buildChatCache } from "./cache/chat-cache.ts";
import type { Backends } from "./backends/backends.ts";
import { openBackends } from "./backends/open-backends.ts";
import { startCaptureRetention } from "./capture-retention.ts";
import { buildCompliance } from "./compliance/build.ts";
import { type ConfigReload, startConfigReload } from "./config-reload.ts";
import type { GatewayContext } from "./context.ts";
import { QuotaGate } from "./quota/quota-gate.ts";

export const DEFAULT_PORT = 3050;
const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
/** How long a stop waits for in-flight requests before it closes their connections. */
const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

export interface RunningGateway {
  url: string;
  port: number;
  context: GatewayContext;
  /**
   * Stops accepting requests, lets in-flight ones finish (closing those still open after the
   * drain timeout), writes or publishes every pending event and closes the backends.
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

/**
 * Boots the gateway on the backends the config selects: the embedded store, or PostgreSQL,
 * Valkey and NATS. An unreachable production service fails the boot with
 * `BackendUnavailableError` naming it.
 */
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
  let backends: Backends;
  try {
    backends = await openBackends(loaded, { logger, metrics, siem });
  } catch (error) {
    await siem?.stop();
    throw error;
  }

  let context: GatewayContext;
  let server: Bun.Server<undefined>;
  let configReload: ConfigReload | null = null;
  try {
    context = buildContext(loaded, backends, logger, metrics, siem);
    // The newest pushed config applies before the first request is served.
    configReload = await startConfigReloadIfStored(context, backends);
    server = serve(loaded, context, options.port);
  } catch (error) {
    configReload?.stop();
    // A bad compliance or cache setting, or a port in use: the clients must not outlive it.
    await backends.close();
    throw error;
  }

  const hostname = loaded.config.server?.host ?? "127.0.0.1";
  const url = `http://${hostname}:${server.port}`;
  const stopWatchingControls = watchControls(context.controls, context.activeStreams, logger, {
    refreshMs: backends.controlsRefreshMs,
    signals: backends.signals,
  });
  const stopCaptureRetention = startCaptureRetention(context, backends.db);
  logger.log("info", "gateway.started", {
    url,
    config: loaded.path,
    data_dir: loaded.dataDir,
    storage: backends.mode,
  });

  return {
    url,
    port: server.port ?? 0,
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
      configReload?.stop();
      stopCaptureRetention();
      // Async webhook deliveries still pending are flushed or dead-lettered, within a bound.
      await context.compliance?.close();
      // Writes or publishes the pending events, stops the bus consumers, closes the clients.
      await backends.close();
      // Sends what the SIEM sinks take within its bound; the rest is replayed at the next boot.
      await siem?.stop();
      logger.log("info", "gateway.stopped", { url, drained });
    },
  };
}

/** In production, runs the newest pushed config and follows later pushes. */
async function startConfigReloadIfStored(context: GatewayContext,
  backends: Backends): Promise<ConfigReload | null> {
  if (backends.configDocuments === undefined) return null;
  return await startConfigReload(context, {
    documents: backends.configDocuments,
    signals: backends.signals,
    rateCounter: backends.rateCounter,
    cacheBackends: backends.cacheBackends,
    quotaStore: backends.quotaStore,
    defaultMaxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  });
}

function buildContext(loaded: LoadedConfig, backends: Backends, logger: Logger,
  metrics: GatewayMetrics, siem: SiemForwarder | null): GatewayContext {
  const catalog = new ModelCatalog(loaded.config);
  const quotaStore = backends.quotaStore;
  return {
    loaded,
    catalog,
    keys: backends.keys,
    events: backends.events,
    eventWriter: backends.auditSink,
    siem,
    hmacSecret: backends.hmacSecret,
    logger,
    metrics,
    maxBodyBytes: loaded.config.server?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    compliance: buildCompliance(loaded, logger, catalog, backends.rateCounter),
    cache: buildChatCache(loaded.config.cache, catalog, backends.cacheBackends, logger),
    controls: backends.controls,
    quota: loaded.config.quotas === undefined || quotaStore === null
      ? null
      : new QuotaGate(loaded.config.quotas, quotaStore, logger),
    activeStreams: new OpenStreams(),
    checkBackends: () => backends.ready(),
    ...backends.auditHooks,
  };
}

function serve(loaded: LoadedConfig, context: GatewayContext,
  portOverride: number | undefined): Bun.Server<undefined> {
  const hostname = loaded.config.server?.host ?? "127.0.0.1";
  const port = portOverride ?? loaded.config.server?.port ?? DEFAULT_PORT;
  return Bun.serve({
    hostname,
    port,
    idleTimeout: 120,
    // Without this, Bun lets a second gateway bind the same port and silently take half of the
    // connections.
    reusePort: false,
    // Bun rejects a declared length over its own limit (128 MiB by default) with a bare 413
    // before any handler runs: no error shape, no request id, no event. The body limit is
    // enforced per route instead (server.maxBodyBytes), which can change on a config reload.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    routes: createGatewayRoutes(context),
    fetch: routeNotFound(context),
    error: (error) => unhandledError(context, error),
  });
}
