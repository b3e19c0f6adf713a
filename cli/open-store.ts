import type { Database } from "bun:sqlite";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Sql } from "postgres";
import { SqliteEventStore } from "../runtime/audit/sqlite-event-store.ts";
import type { EventStore } from "../runtime/audit/traffic-event.ts";
import type { ChangeTopic } from "../runtime/bus/change-signals.ts";
import { NatsChangeSignals } from "../runtime/bus/nats-change-signals.ts";
import type { OpenRequestStore } from "../runtime/bus/open-requests.ts";
import { SqliteOpenRequests } from "../runtime/bus/sqlite-open-requests.ts";
import { loadConfig, resolveConfigPath, type LoadedConfig } from "../runtime/config/load.ts";
import type { ControlStore } from "../runtime/controls/control-store.ts";
import { SqliteControlStore } from "../runtime/controls/sqlite-control-store.ts";
import { SqliteKeyStore } from "../runtime/identity/keys/sqlite-key-store.ts";
import type { KeyStore } from "../runtime/identity/keys/types.ts";
import { createLogger } from "../runtime/observability/log.ts";
import type { QuotaStore } from "../runtime/quota/quota-store.ts";
import { SqliteQuotaStore } from "../runtime/quota/sqlite-quota-store.ts";
import { ValkeyQuotaStore } from "../runtime/quota/valkey-quota-store.ts";
import { openEmbeddedDatabase } from "../runtime/storage/embedded/open-database.ts";
import { PgControlStore } from "../runtime/storage/postgres/pg-control-store.ts";
import { PgEventStore } from "../runtime/storage/postgres/pg-event-store.ts";
import { checkKeySecret } from "../runtime/storage/postgres/key-secret-verifier.ts";
import { PgKeyStore } from "../runtime/storage/postgres/pg-key-store.ts";
import { PgOpenRequests } from "../runtime/storage/postgres/pg-open-requests.ts";
import type { ValkeyClient } from "../runtime/storage/valkey/open-valkey.ts";
import {
  keySecretEnvName, resolveHmacSecret,
} from "../services/gateway/src/backends/key-secret.ts";
import {
  connectNats, connectPostgres, connectValkey, productionSettings, type ProductionSettings,
} from "../services/gateway/src/backends/production-services.ts";
import { storageMode } from "../services/gateway/src/backends/storage-mode.ts";

/** The stores a CLI command works on: the same ones the gateway of that config uses. */
export interface CliStore {
  loaded: LoadedConfig;
  mode: "embedded" | "production";
  keys: KeyStore;
  events: EventStore;
  controls: ControlStore;
  /** Requests whose start a bus writer saw but not yet their final event. */
  openRequests: OpenRequestStore;
  /** The embedded database; null in production. */
  db: Database | null;
  /** Returns the HMAC key secret; production requires it in the environment. */
  hmacSecret(): string;
  /** Opens the quota counters: SQLite's settled spend, or the live counters in Valkey. */
  openQuotaStore(): Promise<QuotaStore>;
  /**
   * Tells every running gateway that `topic` changed, so it applies the change within a second.
   * On the embedded store gateways see the commit itself, so this sends nothing.
   */
  notify(topic: ChangeTopic): Promise<void>;
  close(): Promise<void>;
}

/** Opens the store the gateway of the same config uses, found through the same config. */
export async function openCliStore(configFlag: string | undefined): Promise<CliStore> {
  const loaded = await loadConfig(resolveConfigPath(configFlag));
  return storageMode(loaded) === "production"
    ? await openProductionCliStore(loaded)
    : openEmbeddedCliStore(loaded);
}

function openEmbeddedCliStore(loaded: LoadedConfig): CliStore {
  const db = openEmbeddedDatabase(loaded.dataDir);
  return {
    loaded,
    mode: "embedded",
    keys: new SqliteKeyStore(db),
    events: new SqliteEventStore(db),
    controls: new SqliteControlStore(db),
    openRequests: new SqliteOpenRequests(db),
    db,
    hmacSecret: () => resolveHmacSecret(loaded, "embedded"),
    openQuotaStore: async () => new SqliteQuotaStore(db),
    notify: async () => undefined,
    async close() {
      db.close();
    },
  };
}

async function openProductionCliStore(loaded: LoadedConfig): Promise<CliStore> {
  const settings = productionSettings(loaded);
  const sql = await connectPostgres(settings, { max: 2 });
  try {
    await checkSecretIfSet(loaded, sql);
  } catch (error) {
    await sql.end({ timeout: 0 });
    throw error;
  }
  let valkey: ValkeyClient | null = null;
  let nc: NatsConnection | null = null;
  return {
    loaded,
    mode: "production",
    keys: new PgKeyStore(sql),
    events: new PgEventStore(sql),
    controls: new PgControlStore(sql),
    openRequests: new PgOpenRequests(sql),
    db: null,
    hmacSecret: () => resolveHmacSecret(loaded, "production"),
    async openQuotaStore() {
      valkey ??= await connectValkey(settings);
      return new ValkeyQuotaStore(valkey, { prefix: settings.valkeyPrefix });
    },
    async notify(topic) {
      nc ??= await notifyOrWarn(settings, topic);
      if (nc === null) return;
      await new NatsChangeSignals(nc, settings.bus.changeSubjectPrefix, createLogger())
        .notify(topic);
    },
    async close() {
      await nc?.drain();
      valkey?.disconnect();
      await sql.end({ timeout: 5 });
    },
  };
}

/**
 * Checks the key secret against the deployment's verifier when the environment sets one, so
 * a CLI with another node's secret fails before it creates a key no gateway accepts. Commands
 * that need no secret still run without it; `hmacSecret()` reports it missing.
 */
async function checkSecretIfSet(loaded: LoadedConfig, sql: Sql): Promise<void> {
  const envName = keySecretEnvName(loaded);
  const value = process.env[envName];
  if (value === undefined || value === "") return;
  await checkKeySecret(sql, resolveHmacSecret(loaded, "production"), envName);
}

/**
 * Connects to NATS for a change signal. The change is already stored, so a NATS outage only
 * delays it: gateways reload controls every few seconds and cache a key for at most a second.
 * It is reported on stderr rather than failing a command whose write succeeded.
 */
async function notifyOrWarn(settings: ProductionSettings,
  topic: ChangeTopic): Promise<NatsConnection | null> {
  try {
    return await connectNats(settings, "nexus-cli");
  } catch (error) {
    // A key is cached for at most 1 s (PgKeyStore), controls are polled every 5 s.
    const delay = topic === "keys" ? "1 s" : "5 s";
    process.stderr.write(`nexus: warning: the ${topic} change is stored but running gateways ` +
      `were not signalled: ${(error as Error).message} They pick it up within ${delay}.\n`);
    return null;
  }
}
