import { parseArgs } from "node:util";
import { loadConfig, resolveConfigPath } from "../runtime/config/load.ts";
import { MigrationChecksumError, migratePostgres } from "../runtime/storage/postgres/migrate.ts";
import { openPostgres } from "../runtime/storage/postgres/open-postgres.ts";
import { UsageError } from "./usage-error.ts";

/**
 * `nexus migrate`: applies the PostgreSQL schema migrations not yet applied. The database is
 * `--database-url`, else the config's `storage.postgres.url` and `storage.postgres.schema`
 * (created when missing). Safe to run on every node at
 * once and at every deploy: applied files are skipped, and an edited one is an error.
 */
export async function runMigrate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      "database-url": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const target = values["database-url"] === undefined
    ? await configuredTarget(values.config)
    : { url: values["database-url"], schema: undefined };

  let sql;
  try {
    sql = await openPostgres(target.url, { max: 1, schema: target.schema });
  } catch (error) {
    process.stderr.write(`nexus: ${(error as Error).message}\n`);
    return 1;
  }

  try {
    // The config allows only lower-case letters, digits and `_` in the name: nothing to escape.
    if (target.schema !== undefined) {
      await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS "${target.schema}"`);
    }
    const result = await migratePostgres(sql);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      for (const name of result.applied) process.stdout.write(`applied ${name}\n`);
      process.stdout.write(`schema is current: ${result.applied.length} applied, ` +
        `${result.skipped.length} already applied\n`);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof MigrationChecksumError)) throw error;
    process.stderr.write(`nexus: ${error.message}\n`);
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function configuredTarget(configFlag: string | undefined):
  Promise<{ url: string; schema: string | undefined }> {
  const loaded = await loadConfig(resolveConfigPath(configFlag));
  const postgres = loaded.config.storage?.postgres;
  if (postgres === undefined) {
    throw new UsageError(`migrate needs a database: set storage.postgres.url in ${loaded.path} ` +
      "or pass --database-url postgres://…");
  }
  return { url: postgres.url, schema: postgres.schema };
}
