import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, validateConfig } from "../../runtime/config/load.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { KeySecretMismatchError } from "../../runtime/storage/postgres/key-secret-verifier.ts";
import { startGateway } from "../../services/gateway/src/server.ts";
import { REPO_ROOT } from "../support/fixtures.ts";
import { openNatsForTest, TEST_NATS_URL } from "../support/nats.ts";
import { openPostgresForTest, TEST_POSTGRES_URL } from "../support/postgres.ts";
import { openValkeyForTest, TEST_VALKEY_URL } from "../support/valkey.ts";

const KEY_SECRET_ENV = "NEXUS_BOOT_CHECK_TEST_KEY_SECRET";
const NEXUS = join(REPO_ROOT, "bin", "nexus.ts");

// Each helper returns null when its server is down (the tests skip) and throws under CI=true.
const postgres = await openPostgresForTest();
const valkey = await openValkeyForTest();
const nats = await openNatsForTest();
const available = postgres !== null && valkey !== null && nats !== null;

let dataDir: string;

function rawConfig(natsUrl = TEST_NATS_URL): Record<string, unknown> {
  return {
    server: { host: "127.0.0.1", port: 0 },
    dataDir,
    keySecretEnv: KEY_SECRET_ENV,
    providers: {},
    models: {},
    storage: {
      postgres: { url: TEST_POSTGRES_URL, schema: postgres!.schema },
      valkey: { url: TEST_VALKEY_URL, prefix: valkey!.prefix },
      nats: { url: natsUrl, prefix: nats!.names.writerConsumer.replace(/-writer$/, "") },
    },
  };
}

function writeConfig(name: string, raw: Record<string, unknown>): string {
  const path = join(dataDir, name);
  writeFileSync(path, JSON.stringify(raw));
  return path;
}

/** Returns a fresh secret of 44 characters, as `openssl rand -base64 32` prints. */
function newSecret(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64");
}

/** Runs the CLI with `secret` in the key secret variable, and kills it after `timeoutMs`. */
async function nexusCli(secret: string, timeoutMs: number, ...args: string[]):
  Promise<{ code: number | null; stderr: string }> {
  const child = Bun.spawn([process.execPath, NEXUS, ...args], {
    env: { ...process.env, [KEY_SECRET_ENV]: secret, NEXUS_LOG_LEVEL: "error" },
    stdout: "ignore",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  return { code: child.signalCode === null ? code : null, stderr };
}

async function bootError(secret: string): Promise<Error | null> {
  process.env[KEY_SECRET_ENV] = secret;
  const loaded = validateConfig(rawConfig(), join(dataDir, "nexus.config.yaml"));
  try {
    const started = await startGateway(loaded, { logger: createLogger(() => {}), port: 0 });
    await started.stop();
    return null;
  } catch (error) {
    return error as Error;
  }
}

describe.skipIf(!available)("production boot checks", () => {
  // The secret the schema's verifier is made with. The first boot stores it.
  const deploymentSecret = newSecret();

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "nexus-boot-checks-"));
  });

  afterAll(async () => {
    delete process.env[KEY_SECRET_ENV];
    rmSync(dataDir, { recursive: true, force: true });
    await postgres?.close();
    await valkey?.close();
    await nats?.close();
  });

  test("key secret shorter than 32 is rejected", async () => {
    const error = await bootError("x");
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toContain(`${KEY_SECRET_ENV} is too short`);
  });

  test("different key secret fails boot", async () => {
    expect(await bootError(deploymentSecret)).toBeNull();

    const other = newSecret();
    const error = await bootError(other);
    expect(error).toBeInstanceOf(KeySecretMismatchError);
    expect(error?.message).toContain(`${KEY_SECRET_ENV} differs from the deployment's`);
    expect(error?.message).not.toContain(other);
    expect(error?.message).not.toContain(deploymentSecret);
    const rows = await postgres!.sql<{ value: string }[]>`SELECT value FROM settings`;
    expect(rows.map((row) => row.value).join()).not.toContain(deploymentSecret);

    expect(await bootError(deploymentSecret)).toBeNull();
  });

  test("CLI with a different key secret exits 2", async () => {
    const path = writeConfig("cli.config.yaml", rawConfig());
    expect(await bootError(deploymentSecret)).toBeNull();

    const result = await nexusCli(newSecret(), 15_000, "keys", "create", "--org", "acme",
      "--models", "*", "--config", path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${KEY_SECRET_ENV} differs from the deployment's`);
    const keys = await postgres!.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM virtual_keys`;
    expect(keys[0]?.n).toBe(0);
  });

  test("query-string password is never printed", async () => {
    const raw = rawConfig();
    const storage = raw.storage as Record<string, unknown>;
    storage.postgres = { url: "postgres://postgres@127.0.0.1:1/db?password=Qwerty12" };
    const path = writeConfig("password.config.yaml", raw);
    const result = await nexusCli(deploymentSecret, 15_000, "gateway", "--config", path);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("postgres://postgres@127.0.0.1:1/db?password=***");
    expect(result.stderr).not.toContain("Qwerty12");
  });

  describe("NATS URL on a port that is not NATS", () => {
    // The Valkey test server accepts the TCP connection but never sends a NATS greeting.
    const valkeyServer = new URL(TEST_VALKEY_URL);
    const natsUrl = `nats://${valkeyServer.hostname}:${valkeyServer.port || 6379}`;

    for (const command of ["gateway", "writer"]) {
      test(`nexus ${command} exits 1`, async () => {
        const path = writeConfig(`${command}.config.yaml`, rawConfig(natsUrl));
        const result = await nexusCli(deploymentSecret, 15_000, command, "--config", path);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`NATS at ${natsUrl}`);
      }, 20_000);
    }
  });
});
