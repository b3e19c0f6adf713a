import postgres, { type Options, type Sql } from "postgres";
import { maskServiceUrl } from "../service-url.ts";

/** How long `openPostgres` waits for a connection before it reports the server unreachable. */
const CONNECT_TIMEOUT_S = 3;

/**
 * Returns the URL with its password and credential query parameters replaced by `***`, fit for
 * logs and error messages.
 */
export function maskPostgresUrl(url: string): string {
  return maskServiceUrl(url);
}

export interface OpenPostgresOptions {
  /** Connections in the pool; default 10. */
  max?: number;
  /** Schema searched first for unqualified table names (tests use a schema of their own). */
  schema?: string;
}

/**
 * Connects to PostgreSQL at `url`, such as `postgres://nexus@127.0.0.1:5432/nexus`, and runs
 * one query. Fails with an error that names PostgreSQL and the masked URL when the server cannot
 * be reached or refuses the login, so a production config pointing at a dead server fails at
 * boot. The caller ends the pool with `sql.end()`.
 */
export async function openPostgres(url: string, options: OpenPostgresOptions = {}): Promise<Sql> {
  let sql: Sql;
  try {
    sql = postgres(url, postgresOptions(options));
  } catch (error) {
    throw unreachable(url, error);
  }

  try {
    await sql`SELECT 1`;
    return sql;
  } catch (error) {
    await sql.end({ timeout: 0 });
    throw unreachable(url, error);
  }
}

function postgresOptions(options: OpenPostgresOptions): Options<{}> {
  return {
    max: options.max ?? 10,
    connect_timeout: CONNECT_TIMEOUT_S,
    // NOTICEs such as "relation already exists, skipping" are expected during migrations.
    onnotice: () => {},
    ...(options.schema === undefined ? {} : { connection: { search_path: options.schema } }),
  };
}

function unreachable(url: string, error: unknown): Error {
  const reason = error instanceof Error ? error.message : String(error);
  return new Error(`PostgreSQL at ${maskPostgresUrl(url)} is unreachable: ${reason}`, {
    cause: error,
  });
}
