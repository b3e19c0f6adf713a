import { join } from "node:path";
import { REPO_ROOT } from "./fixtures.ts";
import { type NatsTestContext, openNatsForTest, TEST_NATS_URL } from "./nats.ts";
import { openPostgresForTest, type PostgresTestContext } from "./postgres.ts";
import { openValkeyForTest, TEST_VALKEY_URL, type ValkeyTestContext } from "./valkey.ts";

/** The `nexus` CLI entry point, run with Bun as an operator would on any node. */
export const NEXUS_CLI = join(REPO_ROOT, "bin", "nexus.ts");

/** PostgreSQL, Valkey and NATS for one test, each with its own schema or prefix. */
export interface ProductionServices {
  postgres: PostgresTestContext;
  valkey: ValkeyTestContext;
  nats: NatsTestContext;
  /** Drops the schema, the keys and the streams, and closes every connection. */
  close(): Promise<void>;
}

/**
 * Opens the three production services. Returns null when one is down outside CI, after closing
 * the others, so the tests skip. Under CI=true the helper of the missing service throws.
 */
export async function openProductionServices(): Promise<ProductionServices | null> {
  const postgres = await openPostgresForTest();
  const valkey = await openValkeyForTest();
  const nats = await openNatsForTest();
  const close = async () => {
    await postgres?.close();
    await valkey?.close();
    await nats?.close();
  };
  if (postgres === null || valkey === null || nats === null) {
    await close();
    return null;
  }
  return { postgres, valkey, nats, close };
}

/** Returns the bus prefix the test context chose, recovered from its subject prefix. */
export function busPrefix(nats: NatsTestContext): string {
  return nats.names.eventSubjectPrefix.split(".")[0] as string;
}

/**
 * Builds the `storage` section of a config on `services`. `writer` sets
 * `storage.nats.writer` when given and leaves the config's default otherwise.
 */
export function productionStorage(
  services: ProductionServices,
  options: { writer?: boolean } = {},
): Record<string, unknown> {
  const { postgres, valkey, nats } = services;
  return {
    postgres: { url: postgres.url, schema: postgres.schema },
    valkey: { url: TEST_VALKEY_URL, prefix: valkey.prefix },
    nats: {
      url: TEST_NATS_URL,
      prefix: busPrefix(nats),
      ...(options.writer === undefined ? {} : { writer: options.writer }),
    },
  };
}

export interface GatewayConfigOptions {
  dataDir: string;
  simulatorUrl: string;
  /** Name of the environment variable that contains the virtual-key secret. */
  keySecretEnv: string;
  /** Name of the environment variable that contains the simulator's provider key. */
  simulatorKeyEnv: string;
  /** Default 0, a free port. */
  port?: number;
  /** The hourly token limit of every org; default 1,000,000. */
  orgTokensPerHour?: number;
  /** More names for the `gpt-test` model. */
  aliases?: string[];
  /** The `storage` section; the embedded store when left out. */
  storage?: Record<string, unknown>;
}

/**
 * Builds a gateway config with one OpenAI provider on the simulator, the model `gpt-test`
 * and a hard hourly token quota per org.
 */
export function gatewayConfig(options: GatewayConfigOptions): Record<string, unknown> {
  return {
    server: { host: "127.0.0.1", port: options.port ?? 0 },
    dataDir: options.dataDir,
    keySecretEnv: options.keySecretEnv,
    ...(options.storage === undefined ? {} : { storage: options.storage }),
    providers: {
      openai: {
        type: "openai",
        baseUrl: `${options.simulatorUrl}/openai/v1`,
        apiKeyEnv: options.simulatorKeyEnv,
        timeoutMs: 2000,
      },
    },
    models: {
      "gpt-test": {
        provider: "openai",
        upstreamModel: "gpt-4o-mini",
        price: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
        ...(options.aliases === undefined ? {} : { aliases: options.aliases }),
      },
    },
    quotas: {
      defaultOutputTokens: 64,
      rules: [{ axis: "org", match: "*", window: "hour",
        limit: { tokens: options.orgTokensPerHour ?? 1_000_000 }, mode: "hard" }],
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `nexus ARGS` in a child process from the repository root and returns its exit code and
 * output. `env` replaces the environment; by default the child gets this process's
 * environment with `NEXUS_LOG_LEVEL=error`.
 */
export async function runNexus(
  args: string[],
  env: Record<string, string | undefined> = { ...process.env, NEXUS_LOG_LEVEL: "error" },
): Promise<CliResult> {
  const child = Bun.spawn([process.execPath, NEXUS_CLI, ...args], {
    cwd: REPO_ROOT,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}
