import type { ChangeSignals } from "../../../runtime/bus/change-signals.ts";
import { type LoadedConfig, parseConfigText } from "../../../runtime/config/load.ts";
import { ModelCatalog } from "../../../runtime/config/models.ts";
import { keepNodeLocal, type NodeConfig } from "../../../runtime/config/node-local.ts";
import type { AtomicWindowCounter } from "../../../runtime/hooks/window-counter.ts";
import { describeError } from "../../../runtime/observability/log.ts";
import type { QuotaStore } from "../../../runtime/quota/quota-store.ts";
import {
  type ConfigDocument, configSha256, type PgConfigDocuments,
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
 * node-local fields (NODE_LOCAL_FIELDS: listening address, data folder, storage, key secret
 * variable, SIEM sinks) whatever the document sets. A document that fails to validate or
 * build on this node is rejected whole. At boot the node then runs the newest older version it
 * can build, so a restart does not leave it on a config that no other node runs.
 */
export async function startConfigReload(context: GatewayContext,
  deps: ConfigReloadDeps): Promise<ConfigReload> {
  let runningSha = configSha256(await Bun.file(context.loaded.path).text().catch(() => ""));
  // A rejected version is not rebuilt on later signals, because the result would be the same.
  let rejectedSha: string | null = null;
  // Signals that arrive while a reload runs are folded into one more reload after it.
  let running: Promise<void> | null = null;
  let again = false;

  const reloadOnce = async (): Promise<void> => {
    const document = await deps.documents.latest();
    if (document === null || document.sha256 === runningSha) return;
    if (document.sha256 === rejectedSha) return;
    if (applyDocument(context, deps, document)) runningSha = document.sha256;
    else rejectedSha = document.sha256;
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

  try {
    const boot = await applyNewestUsable(context, deps, runningSha);
    runningSha = boot.runningSha;
    rejectedSha = boot.rejectedSha;
  } catch (error) {
    context.logger.log("error", "config.reload_failed", { error: describeError(error) });
  }
  const stopWatch = deps.signals.watch("config", () => void reload());
  return { reload, stop: stopWatch };
}

/**
 * Applies the newest stored document, and when this node rejects it, the newest older one it
 * can build. A fallback is logged as `config.boot_fallback` at error level, naming both
 * versions, because this node then runs different shared settings from the nodes that took
 * the newest one. When no stored version applies, the node runs its own file.
 */
async function applyNewestUsable(context: GatewayContext, deps: ConfigReloadDeps,
  runningSha: string): Promise<{ runningSha: string; rejectedSha: string | null }> {
  const newest = await deps.documents.latest();
  if (newest === null) return { runningSha, rejectedSha: null };

  let document: ConfigDocument | null = newest;
  while (document !== null) {
    // The node's own file already contains this version's text.
    if (document.sha256 === runningSha) break;
    if (applyDocument(context, deps, document)) break;
    document = await deps.documents.before(document.id);
  }
  if (document?.id === newest.id) return { runningSha: newest.sha256, rejectedSha: null };

  context.logger.log("error", "config.boot_fallback", {
    rejectedVersion: newest.id,
    rejectedSha256: newest.sha256,
    version: document?.id ?? null,
    sha256: document?.sha256 ?? runningSha,
    error: document === null
      ? "this node rejects every stored config version and runs its own config file. " +
        "Push a config that every node can build"
      : "this node rejects the newest config version and runs an older one. Push a config " +
        "that every node can build",
  });
  return { runningSha: document?.sha256 ?? runningSha, rejectedSha: newest.sha256 };
}

/** Validates, builds and swaps in one document; returns false, changing nothing, on failure. */
function applyDocument(context: GatewayContext, deps: ConfigReloadDeps,
  document: ConfigDocument): boolean {
  const { logger } = context;
  const { id: version, sha256 } = document;
  const node = mergeDocument(context, document);
  if (node === null) return false;
  const next = node.loaded;

  let parts: ReturnType<typeof buildParts>;
  try {
    parts = buildParts(context, deps, next);
  } catch (error) {
    logger.log("error", "config.reload_rejected", { version, sha256, error: describeError(error) });
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
      version,
      sha256,
      fields: node.ignored.join(","),
      reason: "node-local fields keep this node's own config file values",
    });
  }
  logger.log("info", "config.reloaded", { version, sha256 });
  return true;
}

/**
 * Parses a pushed document and fills in this node's node-local fields. Returns null, after
 * logging `config.reload_rejected`, when the result is invalid.
 */
function mergeDocument(context: GatewayContext, document: ConfigDocument): NodeConfig | null {
  try {
    const pushed = parseConfigText(document.body, context.loaded.path);
    return keepNodeLocal(pushed, context.loaded);
  } catch (error) {
    context.logger.log("error", "config.reload_rejected", {
      version: document.id,
      sha256: document.sha256,
      error: describeError(error),
    });
    return null;
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
