import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../../runtime/config/load.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { type RunningGateway, startGateway } from "../../services/gateway/src/server.ts";
import { type Simulator, startSimulator } from "../simulator/server.ts";
import {
  busPrefix,
  gatewayConfig,
  openProductionServices,
  productionStorage,
  runNexus,
} from "../support/production-gateway.ts";

const SIMULATOR_KEY_ENV = "NEXUS_CONFIG_RELOAD_TEST_SIMULATOR_KEY";
const KEY_SECRET_ENV = "NEXUS_CONFIG_RELOAD_TEST_KEY_SECRET";

// Null when a server is down (the tests skip); the helpers throw under CI=true.
const services = await openProductionServices();

let simulator: Simulator;
let dataDir: string;
let configPath: string;
const nodes: RunningGateway[] = [];
const logs: Record<string, unknown>[] = [];

/** Builds a production config whose org quota allows `tokens` per hour. */
function rawConfig(options: { tokens: number; aliases?: string[]; port?: number }) {
  return gatewayConfig({
    dataDir,
    simulatorUrl: simulator.url,
    keySecretEnv: KEY_SECRET_ENV,
    simulatorKeyEnv: SIMULATOR_KEY_ENV,
    port: options.port,
    orgTokensPerHour: options.tokens,
    aliases: options.aliases,
    storage: productionStorage(services!),
  });
}

function nexusCli(...args: string[]): ReturnType<typeof runNexus> {
  return runNexus([...args, "--config", configPath]);
}

/** Writes `raw` to a file of its own and runs `nexus config push` on it. */
function push(raw: unknown): ReturnType<typeof nexusCli> {
  const file = join(dataDir, `push-${crypto.randomUUID()}.yaml`);
  writeFileSync(file, JSON.stringify(raw));
  return nexusCli("config", "push", file, "--actor", "test");
}

function chat(node: RunningGateway, key: string, model: string): Promise<Response> {
  return fetch(`${node.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
}

/** Polls `check` on every node until all pass; returns the ms it took, or null after 1 s. */
async function msUntilAllNodes(check: (node: RunningGateway) => Promise<boolean>):
  Promise<number | null> {
  const start = performance.now();
  while (performance.now() - start < 1000) {
    const passed = await Promise.all(nodes.map(check));
    if (passed.every(Boolean)) return performance.now() - start;
    await Bun.sleep(10);
  }
  return null;
}

describe.skipIf(services === null)("config push to running production nodes", () => {
  let key: string;

  beforeAll(async () => {
    process.env[SIMULATOR_KEY_ENV] = "sim-secret-value";
    process.env[KEY_SECRET_ENV] = `test-${crypto.randomUUID()}`;
    simulator = await startSimulator({ port: 0, hostname: "127.0.0.1" });
    dataDir = mkdtempSync(join(tmpdir(), "nexus-config-reload-"));
    configPath = join(dataDir, "nexus.config.yaml");
    const raw = rawConfig({ tokens: 1_000_000 });
    writeFileSync(configPath, JSON.stringify(raw));
    const logger = createLogger((line) => logs.push(JSON.parse(line)));
    for (let index = 0; index < 2; index++) {
      nodes.push(await startGateway(validateConfig(raw, configPath), { logger, port: 0 }));
    }
    const created = await nexusCli("keys", "create", "--org", "acme", "--models", "*");
    expect(created.code).toBe(0);
    key = created.stdout.trim();
  });

  afterAll(async () => {
    for (const node of nodes) await node.stop();
    await simulator?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await services?.close();
  });

  test("a new model alias reaches both nodes within a second", async () => {
    expect((await chat(nodes[0]!, key, "gpt-alias")).status).toBe(404);

    const pushed = await push(rawConfig({ tokens: 1_000_000, aliases: ["gpt-alias"] }));
    expect(pushed.stderr).toBe("");
    expect(pushed.code).toBe(0);
    const took = await msUntilAllNodes(async (node) =>
      (await chat(node, key, "gpt-alias")).status === 200);
    expect(took).not.toBeNull();

    const sha = pushed.stdout.match(/[0-9a-f]{64}/)?.[0];
    expect(logs.filter((line) => line.event === "config.reloaded" && line.sha256 === sha))
      .toHaveLength(2);
    const showOutput = await nexusCli("config", "show", "--json");
    expect(JSON.parse(showOutput.stdout)).toMatchObject({ sha256: sha, actor: "test" });
  });

  test("a lowered quota limit reaches both nodes within a second", async () => {
    const pushed = await push(rawConfig({ tokens: 1, aliases: ["gpt-alias"] }));
    expect(pushed.code).toBe(0);
    const took = await msUntilAllNodes(async (node) =>
      (await chat(node, key, "gpt-test")).status === 429);
    expect(took).not.toBeNull();
  });

  test("an invalid config is rejected and the nodes keep theirs", async () => {
    const before = nodes.map((node) => node.context.loaded);
    const invalid = { ...rawConfig({ tokens: 1 }), models: { broken: { provider: "nope" } } };
    const pushed = await push(invalid);
    expect(pushed.code).toBe(2);
    expect(pushed.stderr).toContain("invalid field");

    await Bun.sleep(300);
    expect(nodes.map((node) => node.context.loaded)).toEqual(before);
    expect((await nexusCli("config", "show", "--json")).stdout).toContain("\"actor\":\"test\"");
  });

  test("a config that changes storage is rejected", async () => {
    const raw = rawConfig({ tokens: 1, aliases: ["gpt-alias"] });
    const storage = productionStorage(services!);
    const moved = { ...storage, valkey: { url: "redis://127.0.0.1:6379", prefix: "moved:" } };
    const pushed = await push({ ...raw, storage: moved });
    expect(pushed.code).toBe(2);
    expect(pushed.stderr).toContain("storage differ from the running config");
    expect(pushed.stderr).toContain("change only with a restart");
  });

  test("a node rejects a stored document that changes storage", async () => {
    const before = nodes.map((node) => node.context.loaded);
    // Written past the CLI, as a mismatched operator config could; the nodes must check too.
    const raw = rawConfig({ tokens: 5 });
    const body = JSON.stringify({ ...raw, storage: undefined });
    await services!.postgres.sql`INSERT INTO config_documents (sha256, body, actor)
      VALUES (${new Bun.CryptoHasher("sha256").update(body).digest("hex")}, ${body}, 'test')`;
    services!.nats.nc.publish(`${busPrefix(services!.nats)}.changes.config`);

    const rejected = await msUntilAllNodes(async () => logs.filter((line) =>
      line.event === "config.reload_rejected" && line.fields === "storage").length >= 2);
    expect(rejected).not.toBeNull();
    expect(nodes.map((node) => node.context.loaded)).toEqual(before);
  });
});
