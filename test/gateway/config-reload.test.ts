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
/** The config file every node boots on. */
let bootRaw: Record<string, unknown>;
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

/** Starts a node on the shared config file, logging into `logs`. */
function bootNode(): Promise<RunningGateway> {
  const logger = createLogger((line) => logs.push(JSON.parse(line)));
  return startGateway(validateConfig(bootRaw, configPath), { logger, port: 0 });
}

/** Stores `body` as a new version past the CLI, then signals the nodes; returns its id. */
async function storeDirectly(body: string): Promise<number> {
  const rows = await services!.postgres.sql<{ id: string }[]>`
    INSERT INTO config_documents (sha256, body, actor)
    VALUES (${new Bun.CryptoHasher("sha256").update(body).digest("hex")}, ${body}, 'test')
    RETURNING id`;
  services!.nats.nc.publish(`${busPrefix(services!.nats)}.changes.config`);
  return Number(rows[0]!.id);
}

function eventsSince(start: number, event: string): Record<string, unknown>[] {
  return logs.slice(start).filter((line) => line.event === event);
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
    bootRaw = rawConfig({ tokens: 1_000_000 });
    writeFileSync(configPath, JSON.stringify(bootRaw));
    for (let index = 0; index < 2; index++) nodes.push(await bootNode());
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

  test("storage change applies shared parts", async () => {
    const start = logs.length;
    const storage = productionStorage(services!) as { valkey: Record<string, unknown> };
    const prefix = `moved-${crypto.randomUUID()}:`;
    const raw = {
      ...rawConfig({ tokens: 1_000_000, aliases: ["moved-alias"] }),
      storage: { ...storage, valkey: { ...storage.valkey, prefix } },
    };
    // The pushed document is also the CLI's config, so no check against the CLI's file helps.
    const file = join(dataDir, "moved.yaml");
    writeFileSync(file, JSON.stringify(raw));
    const pushed = await runNexus(["config", "push", file, "--actor", "test", "--config", file]);
    expect(pushed.stderr).toBe("");
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toContain("storage, keySecretEnv");

    const took = await msUntilAllNodes(async (node) =>
      (await chat(node, key, "moved-alias")).status === 200);
    expect(took).not.toBeNull();
    for (const node of nodes) {
      expect(node.context.loaded.config.storage).toEqual(productionStorage(services!));
    }
    expect(eventsSince(start, "config.reload_rejected")).toEqual([]);
    const ignored = eventsSince(start, "config.node_local_ignored");
    expect(ignored.map((line) => line.fields)).toEqual(["storage", "storage"]);

    const version = Number(pushed.stdout.match(/version (\d+)/)?.[1]);
    const shown = JSON.parse((await nexusCli("config", "show", "--json")).stdout);
    expect(shown.id).toBe(version);
  });

  test("push without keySecretEnv is accepted", async () => {
    const raw = rawConfig({ tokens: 1_000_000, aliases: ["no-secret-alias"] });
    delete raw.keySecretEnv;
    const pushed = await push(raw);
    expect(pushed.stderr).toBe("");
    expect(pushed.code).toBe(0);

    const took = await msUntilAllNodes(async (node) =>
      (await chat(node, key, "no-secret-alias")).status === 200);
    expect(took).not.toBeNull();
    for (const node of nodes) {
      expect(node.context.loaded.config.keySecretEnv).toBe(KEY_SECRET_ENV);
    }
  });

  test("stored document without storage applies", async () => {
    const start = logs.length;
    // Written past the CLI; the nodes fill in their own storage section.
    const raw = rawConfig({ tokens: 1_000_000, aliases: ["direct-alias"] });
    await storeDirectly(JSON.stringify({ ...raw, storage: undefined }));

    const took = await msUntilAllNodes(async (node) =>
      (await chat(node, key, "direct-alias")).status === 200);
    expect(took).not.toBeNull();
    for (const node of nodes) {
      expect(node.context.loaded.config.storage).toEqual(productionStorage(services!));
    }
    expect(eventsSince(start, "config.reload_rejected")).toEqual([]);
  });

  test("restart falls back past a rejected version", async () => {
    const good = await storeDirectly(JSON.stringify(
      rawConfig({ tokens: 1_000_000, aliases: ["fallback-alias"] })));
    expect(await msUntilAllNodes(async (node) =>
      (await chat(node, key, "fallback-alias")).status === 200)).not.toBeNull();

    // Invalid on every node: the running nodes keep version `good`.
    const invalid = { ...rawConfig({ tokens: 1 }), models: { broken: { provider: "nope" } } };
    const bad = await storeDirectly(JSON.stringify(invalid));
    expect(await msUntilAllNodes(async () => logs.filter((line) =>
      line.event === "config.reload_rejected" && line.version === bad).length >= 2))
      .not.toBeNull();

    const start = logs.length;
    await nodes[1]!.stop();
    nodes[1] = await bootNode();
    expect((await chat(nodes[1], key, "fallback-alias")).status).toBe(200);
    const fallback = eventsSince(start, "config.boot_fallback");
    expect(fallback).toHaveLength(1);
    expect(fallback[0]).toMatchObject({ level: "error", rejectedVersion: bad, version: good });
  });
});
