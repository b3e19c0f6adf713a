import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../cli/main.ts";
import {
  MigrationChecksumError, migratePostgres, readMigrations,
} from "../../runtime/storage/postgres/migrate.ts";
import { openPostgres } from "../../runtime/storage/postgres/open-postgres.ts";
import {
  openPostgresForTest, type PostgresTestContext, postgresAvailable,
} from "../support/postgres.ts";

const available = await postgresAvailable();
let context: PostgresTestContext | null = null;

afterEach(async () => {
  await context?.close();
  context = null;
});

async function emptySchema(): Promise<PostgresTestContext> {
  context = await openPostgresForTest({ migrate: false });
  if (context === null) throw new Error("PostgreSQL is not reachable");
  return context;
}

async function recorded(ctx: PostgresTestContext): Promise<string[]> {
  const rows = await ctx.sql<{ name: string }[]>`SELECT name FROM schema_migrations ORDER BY name`;
  return rows.map((row) => row.name);
}

/** Runs the `nexus` CLI in this process and returns its exit code and what it printed. */
async function nexus(...args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => chunks.push(chunk) > 0) as typeof write;
  try {
    const code = await runCli(args);
    return { code, out: chunks.join("") };
  } finally {
    process.stdout.write = write;
  }
}

describe.skipIf(!available)("postgres migrate", () => {
  test("applies every file once", async () => {
    const ctx = await emptySchema();
    const files = (await readMigrations()).map((file) => file.name);
    expect(files.length).toBeGreaterThanOrEqual(2);

    const first = await migratePostgres(ctx.sql);
    expect(first).toEqual({ applied: files, skipped: [] });
    const second = await migratePostgres(ctx.sql);
    expect(second).toEqual({ applied: [], skipped: files });
    expect(await recorded(ctx)).toEqual(files);

    const [row] = await ctx.sql<{ checksum: string }[]>`
      SELECT checksum FROM schema_migrations WHERE name = ${files[0]!}`;
    expect(row?.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  test("edited applied file is an error", async () => {
    const ctx = await emptySchema();
    const files = await readMigrations();
    await migratePostgres(ctx.sql, files);

    const edited = files.map((file, i) => (i === 0
      ? { ...file, sql: `${file.sql}\n-- edited`, checksum: "0".repeat(64) }
      : file));
    const failure = await migratePostgres(ctx.sql, edited).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationChecksumError);
    expect((failure as MigrationChecksumError).file).toBe(files[0]!.name);
    expect((failure as Error).message).toContain("new migration");
  });

  test("failed file leaves nothing behind", async () => {
    const ctx = await emptySchema();
    const files = [
      { name: "0001_ok.sql", sql: "CREATE TABLE first_table (id int);", checksum: "a" },
      { name: "0002_bad.sql", sql: "CREATE TABLE half_table (id int); SELECT no_such_fn();",
        checksum: "b" },
    ];
    await expect(migratePostgres(ctx.sql, files)).rejects.toThrow(/no_such_fn/);
    expect(await recorded(ctx)).toEqual(["0001_ok.sql"]);
    const [half] = await ctx.sql`SELECT to_regclass('half_table') AS found`;
    expect(half?.found).toBeNull();
  });

  test("concurrent runs apply each file once", async () => {
    const ctx = await emptySchema();
    const nodes = await Promise.all([ctx.connect(), ctx.connect(), ctx.connect()]);
    const results = await Promise.all(nodes.map((sql) => migratePostgres(sql)));

    const files = (await readMigrations()).map((file) => file.name);
    const applied = results.flatMap((result) => result.applied).sort();
    expect(applied).toEqual(files);
    expect(await recorded(ctx)).toEqual(files);
  });

  test("nexus migrate applies then skips", async () => {
    const ctx = await emptySchema();
    const first = await nexus("migrate", "--database-url", ctx.url);
    const second = await nexus("migrate", "--database-url", ctx.url);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);

    const files = (await readMigrations()).map((file) => file.name);
    expect(first.out).toContain(`applied ${files[0]}`);
    expect(second.out).toBe(`schema is current: 0 applied, ${files.length} already applied\n`);
    expect(await recorded(ctx)).toEqual(files);
  });

  test("nexus migrate reads the config", async () => {
    const ctx = await emptySchema();
    const dir = mkdtempSync(join(tmpdir(), "nexus-migrate-"));
    const configPath = join(dir, "nexus.config.yaml");
    // JSON is valid YAML.
    writeFileSync(configPath, JSON.stringify({
      providers: {}, models: {}, storage: { postgres: { url: ctx.url } },
    }));
    let result: { code: number; out: string };
    try {
      result = await nexus("migrate", "--config", configPath, "--json");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const files = (await readMigrations()).map((file) => file.name);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({ applied: files, skipped: [] });
    expect(await recorded(ctx)).toEqual(files);
  });
});

describe("migrate without postgres", () => {
  test("config without a database is a usage error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nexus-migrate-"));
    const configPath = join(dir, "nexus.config.yaml");
    writeFileSync(configPath, JSON.stringify({ providers: {}, models: {} }));
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => errors.push(chunk) > 0) as typeof write;
    try {
      expect(await runCli(["migrate", "--config", configPath])).toBe(2);
    } finally {
      process.stderr.write = write;
      rmSync(dir, { recursive: true, force: true });
    }
    expect(errors.join("")).toContain("set storage.postgres.url");
  });
});

describe("openPostgres", () => {
  test("unreachable server is named, password masked", async () => {
    // Port 1 on the loopback interface: nothing listens there, so the connection is refused.
    const url = "postgres://nexus:hunter2@127.0.0.1:1/nexus";
    const failure = await openPostgres(url).catch((error: unknown) => error as Error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toStartWith(
      "PostgreSQL at postgres://nexus:***@127.0.0.1:1/nexus is unreachable:");
    expect((failure as Error).message).not.toContain("hunter2");
  });
});
