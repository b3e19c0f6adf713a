import type { ChangeSignals } from "../../../runtime/bus/change-signals.ts";
import { changedFixedFields } from "../../../runtime/config/fixed-fields.ts";
import { type LoadedConfig, parseConfigText } from "../../../runtime/config/load.ts";
import { ModelCatalog } from "../../../runtime/config/models.ts";
import { keepNodeLocal, type NodeConfig } from "../../../runtime/config/node-local.ts";
import type { AtomicWindowCounter } from "../../../runtime/hooks/window-counter.ts";
import { describeError } from "../../../runtime/observability/log.ts";
import type { QuotaStore } from "../../../runtime/quota/quota-store.ts";
import {
  configSha256, type PgConfigDocuments,
} from "../../../runtime/storage/postgres/pg-config-documents.ts";
import type { CacheBackends } from "./cache/cache-backends.ts";
import { buildChatCache } from "./cache/chat-cache.ts";
import { buildCompliance } from "./compliance/build.ts";
import type { GatewayContext } from "./context.ts";
import { QuotaGate } from "./quota/quota-gate.ts";

/** Stores that the config-derived parts of the context run on, opened once at boot. */
export interface ConfigReloadDeps {
  documents: PgConfigDocuments;
  signals: ChangeSignals;
  rateCounter: AtomicWindowCounter;
  cacheBackends: CacheBackends;
  quotaStore: QuotaStore | null;
  /** Largest body when the config sets no `server.maxBodyBytes`. */
  defaultMaxBodyBytes: number;
}

export interface ConfigReload {
  /** Loads the newest pushed config and applies it when it differs from the running one. */
  reload(): Promise<void>;
  stop(): void;
}

/**
 * Runs the newest config pushed with `nexus config push` on this node: once now, and again on
 * every `config` change signal. Only the parts built from the config per request are swapped:
 * models and routing, quotas, compliance, cache and the body limit. The node keeps its own
 * node-local fields (listening address, data folder and the like) whatever the document sets.
 * A document that changes a shared field opened at boot, or that fails to validate or build,
 * is rejected whole.
 */
export async function startConfigReload(context: GatewayContext,
  deps: ConfigReloadDeps): Promise<ConfigReload> {
  let runningSha = configSha256(await Bun.file(context.loaded.path).text().catch(() => ""));
  // Signals that arrive while a reload runs are folded into one more reload after it.
  let running: Promise<void> | null = null;
  let again = false;

  const reloadOnce = async (): Promise<void> => {
    const document = await deps.documents.latest();
    if (document === null || document.sha256 === runningSha) return;
    if (applyDocument(context, deps, document.body, document.sha256)) {
      runningSha = document.sha256;
    }
  };
  const reload = async (): Promise<void> => {
    if (running !== null) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await reloadOnce().catch((error) => context.logger.log("error", "config.reload_failed", {
          error: describeError(error),
        }));
      } while (again);
    })();
    await running;
    running = null;
  };

  await reload();
  const stopWatch = deps.signals.watch("config", () => void reload());
  return { reload, stop: stopWatch };
}

/** Validates, builds and swaps in one document; returns false, changing nothing, on failure. */
function applyDocument(context: GatewayContext, deps: ConfigReloadDeps, body: string,
  sha256: string): boolean {
  const { logger } = context;
  const node = mergeDocument(context, body, sha256);
  if (node === null) return false;
  const next = node.loaded;

  let parts: ReturnType<typeof buildParts>;
  try {
    parts = buildParts(context, deps, next);
  } catch (error) {
    logger.log("error", "config.reload_rejected", { sha256, error: describeError(error) });
    return false;
  }

  const oldCompliance = context.compliance;
  Object.assign(context, parts);
  // Requests admitted before the swap may still hold the old pipelines; their webhook
  // deliveries are flushed or dead-lettered by close, within its bound.
  void oldCompliance?.close().catch((error) => logger.log("warn", "config.close_failed", {
    error: describeError(error),
  }));
  if (node.ignored.length > 0) {
    // Logged once per document and process, because a node skips the document it runs already.
    logger.log("info", "config.node_local_ignored", {
      sha256,
      fields: node.ignored.join(","),
      reason: "node-local fields keep this node's own config file values",
    });
  }
  logger.log("info", "config.reloaded", { sha256 });
  return true;
}

/**
 * Parses a pushed document and fills in this node's node-local fields. Returns null, after
 * logging `config.reload_rejected`, when it is invalid or changes a shared restart-only field.
 */
function mergeDocument(context: GatewayContext, body: string, sha256: string): NodeConfig | null {
  const { logger } = context;
  const reject = (error: unknown): null => {
    logger.log("error", "config.reload_rejected", { sha256, error: describeError(error) });
    return null;
  };
  let pushed: LoadedConfig;
  try {
    pushed = parseConfigText(body, context.loaded.path);
  } catch (error) {
    return reject(error);
  }

  // Checked before the merge, so a document that drops `storage` is named as changing it.
  const fields = changedFixedFields(context.loaded, pushed);
  if (fields.length > 0) {
    logger.log("error", "config.reload_rejected", {
      sha256,
      fields: fields.join(","),
      error: "these shared fields change only with a restart. Restart every node on new " +
        "config files, or push a document that keeps them",
    });
    return null;
  }

  try {
    return keepNodeLocal(pushed, context.loaded);
  } catch (error) {
    return reject(error);
  }
}

/** Builds every config-derived part before any is swapped, so a failure applies nothing. */
function buildParts(context: GatewayContext, deps: ConfigReloadDeps, loaded: LoadedConfig) {
  const { logger } = context;
  const catalog = new ModelCatalog(loaded.config);
  const cache = buildChatCache(loaded.config.cache, catalog, deps.cacheBackends, logger);
  const quota = loaded.config.quotas === undefined || deps.quotaStore === null
    ? null
    : new QuotaGate(loaded.config.quotas, deps.quotaStore, logger);
  // Built last: it is the one part that holds resources to close.
  const compliance = buildCompliance(loaded, logger, catalog, deps.rateCounter);
  return {
    loaded,
    catalog,
    compliance,
    cache,
    quota,
    maxBodyBytes: loaded.config.server?.maxBodyBytes ?? deps.defaultMaxBodyBytes,
  };
}
