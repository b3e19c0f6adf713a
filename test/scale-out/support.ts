import { afterAll, beforeAll, expect } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Sql } from "postgres";
import { ensureEventStreams } from "../../runtime/bus/event-streams.ts";
import { REPO_ROOT } from "../support/fixtures.ts";
import { type NatsTestContext, TEST_NATS_URL, waitFor } from "../support/nats.ts";
import type { PostgresTestContext } from "../support/postgres.ts";
import {
  busPrefix,
  type CliResult,
  NEXUS_CLI,
  openProductionServices,
  type ProductionServices,
  productionStorage,
  runNexus,
} from "../support/production-gateway.ts";
import type { ValkeyTestContext } from "../support/valkey.ts";

export type { CliResult } from "../support/production-gateway.ts";
const SIMULATOR_KEY_ENV = "NEXUS_SCALE_OUT_SIMULATOR_KEY";
/** How long a child may take from spawn to ready; Bun boots in well under this. */
const READY_TIMEOUT_MS = 15_000;

/**
 * `production` runs every node on PostgreSQL, Valkey and NATS; `embedded` shares one SQLite
 * data folder between the nodes, which is only good for checking the harness itself.
 */
export type ScaleOutMode = "production" | "embedded";

export interface ScaleOutOptions {
  mode?: ScaleOutMode;
  /** Gateway processes; default 3. */
  gateways?: number;
  /** Runs the bus → PostgreSQL writer inside every gateway (`storage.nats.writer`). */
  inProcessWriters?: boolean;
  /** Separate `nexus writer` processes started with the cluster; default 0. */
  writers?: number;
  /**
   * Creates the bus streams and the writer's consumer with this ack wait before any node
   * starts, in ms. Nodes keep an existing consumer's settings, so a test can shorten the
   * redelivery of a batch that a killed writer held (the default is 30 s).
   */
  ackWaitMs?: number;
  /** Config sections merged over the generated config (quotas, compliance …). */
  extra?: Record<string, unknown>;
}

/** A child process of the cluster, always killed by its own pid. */
export interface NodeProcess {
  name: string;
  pid: number;
  /** Base URL for gateways and the simulator; empty for writers. */
  url: string;
  process: Bun.Subprocess;
  logPath: string;
  /** Sends SIGKILL to this pid and waits for the exit. */
  kill(): Promise<void>;
}

export interface ScaleOutCluster {
  mode: ScaleOutMode;
  gateways: NodeProcess[];
  writers: NodeProcess[];
  simulator: NodeProcess;
  /** The config of gateway i; every node shares everything but the port. */
  configPaths: string[];
  postgres: PostgresTestContext | null;
  valkey: ValkeyTestContext | null;
  nats: NatsTestContext | null;
  /** Runs `nexus ARGS --config <gateway 0's config>` with the cluster's environment. */
  cli(args: string[]): Promise<CliResult>;
  /** Creates a virtual key through the CLI and returns its id and secret. */
  createKey(org?: string): Promise<{ id: string; secret: string }>;
  /** Starts one more `nexus writer` process. */
  startWriter(): Promise<NodeProcess>;
  /** Traffic-event rows per request id in the shared event store. */
  eventCounts(): Promise<Map<string, number>>;
  /** Kills every child by pid, then drops the schema, the keys and the streams. */
  close(): Promise<void>;
}

/**
 * Starts a simulator, `gateways` gateway processes and any writers on free 127.0.0.1 ports,
 * and waits until each gateway returns 200 on /readyz. Returns null when a production service is
 * down outside CI (the support helpers throw under CI=true, so the test fails).
 */
export async function startScaleOut(
  options: ScaleOutOptions = {},
): Promise<ScaleOutCluster | null> {
  const mode = options.mode ?? modeFromEnv();
  const services = mode === "production" ? await openProductionServices() : null;
  if (mode === "production" && services === null) return null;

  const dir = mkdtempSync(join(tmpdir(), "nexus-scale-out-"));
  const env = childEnv();
  const children: NodeProcess[] = [];
  const cluster = { dir, env, children, services };
  try {
    return await boot(mode, options, cluster);
  } catch (error) {
    await teardown(cluster);
    throw error;
  }
}

/**
 * `NEXUS_SCALE_OUT_MODE=embedded` runs the cluster on the embedded store, to check the harness
 * itself; the scale-out guarantees hold only in production, so those tests then fail.
 */
function modeFromEnv(): ScaleOutMode {
  const value = process.env.NEXUS_SCALE_OUT_MODE ?? "production";
  if (value !== "production" && value !== "embedded") {
    throw new Error(`invalid NEXUS_SCALE_OUT_MODE "${value}": use production or embedded`);
  }
  return value;
}

interface ClusterParts {
  dir: string;
  env: Record<string, string>;
  children: NodeProcess[];
  services: ProductionServices | null;
}

function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined) env[name] = value;
  }
  env.NEXUS_KEY_SECRET = `scale-out-${crypto.randomUUID()}`;
  env[SIMULATOR_KEY_ENV] = "simulator-key";
  env.NEXUS_SIMULATOR_KEY = "simulator-key";
  return env;
}

async function boot(mode: ScaleOutMode, options: ScaleOutOptions,
  parts: ClusterParts): Promise<ScaleOutCluster> {
  const { dir, env, services } = parts;
  const simulatorPort = freePort();
  const simulator = spawnNode(parts, "simulator",
    ["simulator", "--port", String(simulatorPort)], `http://127.0.0.1:${simulatorPort}`);
  await waitReady(simulator, `${simulator.url}/__sim/stats`);

  const count = options.gateways ?? 3;
  const configPaths = Array.from({ length: count }, (_, index) => {
    const config = buildConfig(mode, services, dir, simulator.url, freePort(), index, options);
    const path = join(dir, `gateway-${index}.config.yaml`);
    // YAML is a superset of JSON, so the loader reads this as it is.
    writeFileSync(path, JSON.stringify(config, null, 2));
    return path;
  });
  if (services !== null) await runOrThrow(env, ["migrate", "--config", configPaths[0]!]);
  if (services !== null && options.ackWaitMs !== undefined) {
    const { jsm, names } = services.nats;
    await ensureEventStreams(jsm, names, {}, { ackWaitMs: options.ackWaitMs });
  }

  const gateways = configPaths.map((path, index) => {
    const port = (JSON.parse(readFileSync(path, "utf8")) as { server: { port: number } })
      .server.port;
    return spawnNode(parts, `gateway-${index}`, ["gateway", "--config", path],
      `http://127.0.0.1:${port}`);
  });
  await Promise.all(gateways.map((gateway) => waitReady(gateway, `${gateway.url}/readyz`)));

  const writers: NodeProcess[] = [];
  const startWriter = async (): Promise<NodeProcess> => {
    const writer = spawnNode(parts, `writer-${writers.length}`, writerArgs(configPaths[0]!,
      services), "");
    writers.push(writer);
    await waitForLog(writer, "writer.started");
    return writer;
  };
  for (let i = 0; i < (options.writers ?? 0); i += 1) await startWriter();

  const cli = (args: string[]) => runNexus([...args, "--config", configPaths[0]!], env);
  return {
    mode,
    gateways,
    writers,
    simulator,
    configPaths,
    postgres: services?.postgres ?? null,
    valkey: services?.valkey ?? null,
    nats: services?.nats ?? null,
    cli,
    createKey: (org = "acme") => createKeyWith(cli, org),
    startWriter,
    eventCounts: () => countEvents(services?.postgres.sql ?? null, dir),
    close: () => teardown(parts),
  };
}

function buildConfig(mode: ScaleOutMode, services: ProductionServices | null, dir: string,
  simulatorUrl: string, port: number, index: number,
  options: ScaleOutOptions): Record<string, unknown> {
  const dataDir = mode === "embedded" ? join(dir, "data") : join(dir, `data-${index}`);
  const config: Record<string, unknown> = {
    server: { host: "127.0.0.1", port },
    dataDir,
    providers: {
      openai: {
        type: "openai",
        baseUrl: `${simulatorUrl}/openai/v1`,
        apiKeyEnv: SIMULATOR_KEY_ENV,
        timeoutMs: 10_000,
      },
    },
    models: {
      "gpt-test": {
        provider: "openai",
        upstreamModel: "gpt-4o-mini",
        price: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
      },
    },
    ...options.extra,
  };
  if (services !== null) {
    config.storage = productionStorage(services, { writer: options.inProcessWriters === true });
  }
  return config;
}

function writerArgs(configPath: string, services: ProductionServices | null): string[] {
  const args = ["writer", "--config", configPath];
  if (services === null) return args;
  return [...args, "--nats", TEST_NATS_URL, "--bus-prefix", busPrefix(services.nats)];
}

/** Returns a port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port;
  probe.stop(true);
  if (port === undefined) throw new Error("could not reserve a port on 127.0.0.1");
  return port;
}

function spawnNode(parts: ClusterParts, name: string, args: string[], url: string): NodeProcess {
  const logPath = join(parts.dir, `${name}-${parts.children.length}.log`);
  // A file, not a pipe: an unread pipe would stall a node that logs every request.
  const fd = openSync(logPath, "a");
  let child: Bun.Subprocess;
  try {
    child = Bun.spawn([process.execPath, NEXUS_CLI, ...args], {
      cwd: REPO_ROOT,
      env: parts.env,
      stdin: "ignore",
      stdout: fd,
      stderr: fd,
    });
  } finally {
    closeSync(fd);
  }
  const node: NodeProcess = {
    name,
    pid: child.pid,
    url,
    process: child,
    logPath,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, "SIGKILL");
      await child.exited;
    },
  };
  parts.children.push(node);
  return node;
}

/** Returns the last lines a node logged, for failure messages. */
export function logTail(node: NodeProcess, lines = 20): string {
  try {
    return readFileSync(node.logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function exitedEarly(node: NodeProcess): boolean {
  return node.process.exitCode !== null || node.process.signalCode !== null;
}

async function waitReady(node: NodeProcess, url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitedEarly(node)) {
      throw new Error(`${node.name} exited before it was ready:\n${logTail(node)}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await Bun.sleep(50);
  }
  throw new Error(`${node.name} was not ready at ${url} in ${READY_TIMEOUT_MS} ms:\n` +
    logTail(node));
}

async function waitForLog(node: NodeProcess, event: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (readFileSync(node.logPath, "utf8").includes(`"event":"${event}"`)) return;
    if (exitedEarly(node)) throw new Error(`${node.name} exited:\n${logTail(node)}`);
    await Bun.sleep(50);
  }
  throw new Error(`${node.name} did not log ${event} in ${READY_TIMEOUT_MS} ms:\n` +
    logTail(node));
}

async function runOrThrow(env: Record<string, string>, args: string[]): Promise<CliResult> {
  const result = await runNexus(args, env);
  if (result.code !== 0) {
    throw new Error(`nexus ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  }
  return result;
}

async function createKeyWith(cli: (args: string[]) => Promise<CliResult>,
  org: string): Promise<{ id: string; secret: string }> {
  const result = await cli(["keys", "create", "--org", org, "--models", "*", "--json"]);
  if (result.code !== 0) throw new Error(`keys create exited ${result.code}: ${result.stderr}`);
  const created = JSON.parse(result.stdout) as { id: string; key: string };
  return { id: created.id, secret: created.key };
}

async function countEvents(sql: Sql | null, dir: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (sql !== null) {
    const rows = await sql<{ request_id: string; n: number }[]>`
      SELECT request_id, count(*)::int AS n FROM traffic_events GROUP BY request_id`;
    for (const row of rows) counts.set(row.request_id, row.n);
    return counts;
  }

  const { Database } = await import("bun:sqlite");
  const db = new Database(join(dir, "data", "nexus.db"), { readonly: true });
  try {
    const rows = db.query(`SELECT request_id, count(*) AS n FROM traffic_events
      GROUP BY request_id`).all() as { request_id: string; n: number }[];
    for (const row of rows) counts.set(row.request_id, row.n);
  } finally {
    db.close();
  }
  return counts;
}

async function teardown(parts: ClusterParts): Promise<void> {
  await Promise.all(parts.children.map((child) => child.kill()));
  if (parts.services !== null) {
    await parts.services.close();
  }
  rmSync(parts.dir, { recursive: true, force: true });
}

/**
 * Registers hooks that start one cluster for a crash test file, with one `nexus writer`
 * process and no writer in the gateways, so each kind can be killed on its own. Returns a
 * function that gives the cluster, or null when a service is down outside CI.
 */
export function useCrashCluster(ackWaitMs: number): () => ScaleOutCluster | null {
  let cluster: ScaleOutCluster | null = null;
  beforeAll(async () => {
    cluster = await startScaleOut({ writers: 1, inProcessWriters: false, ackWaitMs });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  }, 30_000);
  return () => cluster;
}

/**
 * Waits until each of `ids` has an event in the shared store, then expects exactly one per id
 * and no request id stored twice. Returns the rows per request id.
 */
export async function expectStoredOnce(
  cluster: ScaleOutCluster,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const stored = await waitFor(async () => {
    const counts = await cluster.eventCounts();
    return ids.every((id) => counts.has(id));
  }, 20_000);
  const counts = await cluster.eventCounts();
  const missing = ids.filter((id) => !counts.has(id));
  const named = missing.slice(0, 10).join(", ");
  expect(stored, `${missing.length} completed requests have no event: ${named}`).toBe(true);
  expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
  for (const id of ids) expect(counts.get(id)).toBe(1);
  return counts;
}
