import { afterEach, beforeEach } from "bun:test";
import type { Sql } from "postgres";
import { migratePostgres } from "../../runtime/storage/postgres/migrate.ts";
import { openPostgres } from "../../runtime/storage/postgres/open-postgres.ts";

/** The PostgreSQL database that backend tests use; trust auth on this machine. */
export const TEST_POSTGRES_URL = process.env.NEXUS_TEST_POSTGRES_URL ??
  "postgres://postgres@127.0.0.1:5432/test";

/** A test's own schema, with connections whose search path starts there. */
export interface PostgresTestContext {
  schema: string;
  /** The test URL with `search_path` set to the schema, as `nexus migrate` would take it. */
  url: string;
  sql: Sql;
  /** Opens another pool on the schema, as a second gateway node would; `close` ends it too. */
  connect(): Promise<Sql>;
  /** Ends every pool and drops the schema with everything in it. */
  close(): Promise<void>;
}

/**
 * Creates a schema with a random name and, unless told not to, applies the migrations to it.
 * Returns null when the server is down, so a developer without one skips these tests. Under
 * CI a missing server is a failure.
 */
export async function openPostgresForTest(
  options: { migrate?: boolean } = {},
): Promise<PostgresTestContext | null> {
  let admin: Sql;
  try {
    admin = await openPostgres(TEST_POSTGRES_URL, { max: 1 });
  } catch (error) {
    if (process.env.CI === "true") throw error;
    return null;
  }

  const schema = `nexus_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  const pools: Sql[] = [];
  const connect = async (): Promise<Sql> => {
    const pool = await openPostgres(TEST_POSTGRES_URL, { schema, max: 4 });
    pools.push(pool);
    return pool;
  };
  const sql = await connect();
  if (options.migrate !== false) await migratePostgres(sql);

  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set("search_path", schema);
  return {
    schema,
    url: url.toString(),
    sql,
    connect,
    async close() {
      for (const pool of pools) await pool.end({ timeout: 5 });
      await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end({ timeout: 5 });
    },
  };
}

/**
 * Reports whether the test server answers; under CI a missing server throws instead, so the
 * backend's tests fail rather than skip.
 */
export async function postgresAvailable(): Promise<boolean> {
  try {
    const probe = await openPostgres(TEST_POSTGRES_URL, { max: 1 });
    await probe.end({ timeout: 1 });
    return true;
  } catch (error) {
    if (process.env.CI === "true") throw error;
    return false;
  }
}

/**
 * Registers hooks that give each test of the enclosing `describe` its own migrated schema,
 * passed to `use` before the test and dropped after it. Meant for a describe that
 * `postgresAvailable()` already let run, so an unreachable server here is an error.
 */
export function usePostgresPerTest(use: (context: PostgresTestContext) => void): void {
  let current: PostgresTestContext | null = null;
  beforeEach(async () => {
    current = await openPostgresForTest();
    if (current === null) throw new Error(`PostgreSQL at ${TEST_POSTGRES_URL} is not reachable`);
    use(current);
  });
  afterEach(async () => {
    await current?.close();
    current = null;
  });
}
