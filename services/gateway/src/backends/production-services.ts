import type { NatsConnection } from "@nats-io/transport-node";
import type { Sql } from "postgres";
import { type BusNames, busNames, DEFAULT_BUS_PREFIX } from "../../../../runtime/bus/bus-names.ts";
import { openNats } from "../../../../runtime/bus/open-nats.ts";
import type { LoadedConfig } from "../../../../runtime/config/load.ts";
import { readMigrations } from "../../../../runtime/storage/postgres/migrate.ts";
import { openPostgres } from "../../../../runtime/storage/postgres/open-postgres.ts";
import { openValkey, type ValkeyClient } from "../../../../runtime/storage/valkey/open-valkey.ts";
import { BackendUnavailableError, maskUrl, rootMessage } from "./service-error.ts";

/** Key prefix in Valkey when the config sets none. */
export const DEFAULT_VALKEY_PREFIX = "nexus:";

/** The production storage settings of a config, with their defaults filled in. */
export interface ProductionSettings {
  postgresUrl: string;
  /** Schema searched for the Nexus tables; null uses the server's default search path. */
  postgresSchema: string | null;
  eventRetentionDays: number | undefined;
  valkeyUrl: string;
  valkeyPrefix: string;
  natsUrl: string;
  bus: BusNames;
  /** Whether a gateway process also runs a consumer that stores events in PostgreSQL. */
  writer: boolean;
  /** Largest size of the folder of unpublished events, in bytes; unset uses the default. */
  spillMaxBytes: number | undefined;
}

/** Reads `storage`; call it only once `storageMode` returned `production`. */
export function productionSettings(loaded: LoadedConfig): ProductionSettings {
  const storage = loaded.config.storage;
  if (storage?.postgres === undefined || storage.valkey === undefined ||
    storage.nats === undefined) {
    throw new Error("productionSettings needs storage.postgres, storage.valkey and storage.nats");
  }
  return {
    postgresUrl: storage.postgres.url,
    postgresSchema: storage.postgres.schema ?? null,
    eventRetentionDays: storage.postgres.eventRetentionDays,
    valkeyUrl: storage.valkey.url,
    valkeyPrefix: storage.valkey.prefix ?? DEFAULT_VALKEY_PREFIX,
    natsUrl: storage.nats.url,
    bus: busNames(storage.nats.prefix ?? DEFAULT_BUS_PREFIX),
    writer: storage.nats.writer ?? true,
    spillMaxBytes: storage.nats.spillMaxBytes,
  };
}

/**
 * Connects to PostgreSQL and checks that every shipped migration is applied to the schema.
 * Nothing is migrated here: `nexus migrate` does that once per deploy, so that nodes of
 * different versions never race to change the schema under each other.
 */
export async function connectPostgres(settings: ProductionSettings,
  options: { max?: number } = {}): Promise<Sql> {
  let sql: Sql;
  try {
    sql = await openPostgres(settings.postgresUrl, {
      max: options.max,
      ...(settings.postgresSchema === null ? {} : { schema: settings.postgresSchema }),
    });
  } catch (error) {
    throw new BackendUnavailableError((error as Error).message, { cause: error });
  }
  try {
    await requireMigrated(sql, settings);
    return sql;
  } catch (error) {
    await sql.end({ timeout: 0 });
    throw error;
  }
}

async function requireMigrated(sql: Sql, settings: ProductionSettings): Promise<void> {
  const shipped = (await readMigrations()).map((file) => file.name);
  let applied: Set<string>;
  try {
    const rows = await sql<{ name: string }[]>`SELECT name FROM schema_migrations`;
    applied = new Set(rows.map((row) => row.name));
  } catch (error) {
    // 42P01 (undefined_table): no migration ever ran on this schema; 3F000: no such schema.
    const code = (error as { code?: unknown }).code;
    if (code !== "42P01" && code !== "3F000") throw error;
    applied = new Set();
  }
  const missing = shipped.filter((name) => !applied.has(name));
  if (missing.length === 0) return;

  const schema = settings.postgresSchema ?? "public";
  throw new BackendUnavailableError(
    `PostgreSQL at ${maskUrl(settings.postgresUrl)} (schema ${schema}) is not migrated to the ` +
      `latest schema: ${missing.join(", ")} not applied. Run \`nexus migrate\` with this ` +
      "config, then start Nexus again.",
  );
}

export async function connectValkey(settings: ProductionSettings): Promise<ValkeyClient> {
  try {
    return await openValkey(settings.valkeyUrl);
  } catch (error) {
    throw new BackendUnavailableError((error as Error).message, { cause: error });
  }
}

export async function connectNats(settings: ProductionSettings,
  name: string): Promise<NatsConnection> {
  try {
    return await openNats(settings.natsUrl, { name, timeoutMs: 3000 });
  } catch (error) {
    throw new BackendUnavailableError(
      `NATS at ${maskUrl(settings.natsUrl)} is unreachable: ${rootMessage(error)}. Start ` +
        "NATS with JetStream enabled (nats-server -js) or fix storage.nats.url.",
      { cause: error },
    );
  }
}

/** The clients of a production node, one per service. */
export interface ProductionClients {
  sql: Sql;
  valkey: ValkeyClient;
  nc: NatsConnection;
}

/**
 * Connects to all three services at once. When any fails, the others are closed and one
 * error names every service that failed, so a boot reports all of them in one go.
 */
export async function connectProductionServices(settings: ProductionSettings,
  connectionName: string): Promise<ProductionClients> {
  const [sql, valkey, nc] = await Promise.allSettled([
    connectPostgres(settings),
    connectValkey(settings),
    connectNats(settings, connectionName),
  ]);
  if (sql.status === "fulfilled" && valkey.status === "fulfilled" &&
    nc.status === "fulfilled") {
    return { sql: sql.value, valkey: valkey.value, nc: nc.value };
  }

  if (sql.status === "fulfilled") await sql.value.end({ timeout: 0 });
  if (valkey.status === "fulfilled") valkey.value.disconnect();
  if (nc.status === "fulfilled") await nc.value.close();
  const failures = [sql, valkey, nc].filter((result) => result.status === "rejected");
  const messages = failures.map((failure) => messageOf(failure.reason));
  if (failures.length === 1 && failures[0]?.reason instanceof BackendUnavailableError) {
    throw failures[0].reason;
  }
  throw new BackendUnavailableError(messages.join("\n"), { cause: failures[0]?.reason });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
