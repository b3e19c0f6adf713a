import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../../runtime/config/load.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { type RunningGateway, startGateway } from "../../services/gateway/src/server.ts";
import { freePort } from "../scale-out/support.ts";
import { type Simulator, startSimulator } from "../simulator/server.ts";
import {
  gatewayConfig,
  openProductionServices,
  productionStorage,
  runNexus,
} from "../support/production-gateway.ts";

const SIMULATOR_KEY_ENV = "NEXUS_NODE_LOCAL_TEST_SIMULATOR_KEY";
const KEY_SECRET_ENV = "NEXUS_NODE_LOCAL_TEST_KEY_SECRET";

// Null when a server is down (the tests skip); the helpers throw under CI=true.
const services = await openProductionServices();

/** One gateway node with its own config file, port, data folder and log lines. */
interface Node {
  port: number;
  dir: string;
  configPath: string;
  raw: Record<string, unknown>;
  logs: Record<string, unknown>[];
  gateway: RunningGateway | null;
}

let simulator: Simulator;
let root: string;
let cliConfigPath: string;
const nodes: Node[] = [];

/** Builds a production config for one machine-local `dir` and `port`. */
function rawConfig(dir: string, port: number, aliases?: string[]): Record<string, unknown> {
  return gatewayConfig({
    dataDir: dir,
    simulatorUrl: simulator.url,
    keySecretEnv: KEY_SECRET_ENV,
    simulatorKeyEnv: SIMULATOR_KEY_ENV,
    port,
    aliases,
    storage: productionStorage(services!),
  });
}

/** Starts a node on its own file, with no port override, as `nexus up` would. */
async function boot(node: Node): Promise<RunningGateway> {
  const logger = createLogger((line) => node.logs.push(JSON.parse(line)));
  node.gateway = await startGateway(validateConfig(node.raw, node.configPath), { logger });
  return node.gateway;
}

function chat(node: Node, key: string, model: string): Promise<Response> {
  return fetch(`${node.gateway!.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
}

/** Polls `check` on every node until all pass; returns true, or false after 1 s. */
async function allNodesWithinSecond(check: (node: Node) => Promise<boolean>): Promise<boolean> {
  const start = performance.now();
  while (performance.now() - start < 1000) {
    if ((await Promise.all(nodes.map(check))).every(Boolean)) return true;
    await Bun.sleep(10);
  }
  return false;
}

describe.skipIf(services === null)("config push to two nodes on one machine", () => {
  let key: string;
  let sha: string;

  beforeAll(async () => {
    process.env[SIMULATOR_KEY_ENV] = "sim-secret-value";
    process.env[KEY_SECRET_ENV] = `test-${crypto.randomUUID()}`;
    simulator = await startSimulator({ port: 0, hostname: "127.0.0.1" });
    root = mkdtempSync(join(tmpdir(), "nexus-node-local-"));

    // The CLI runs from a third config, whose port and data folder match neither node.
    cliConfigPath = join(root, "cli.yaml");
    writeFileSync(cliConfigPath, JSON.stringify(rawConfig(join(root, "cli"), 0)));
    for (const name of ["a", "b"]) {
      const dir = join(root, name);
      mkdirSync(dir);
      const port = freePort();
      const node: Node = {
        port, dir, configPath: join(dir, "nexus.config.yaml"), raw: rawConfig(dir, port),
        logs: [], gateway: null,
      };
      writeFileSync(node.configPath, JSON.stringify(node.raw));
      nodes.push(node);
      await boot(node);
    }

    const created = await runNexus(["keys", "create", "--org", "acme", "--models", "*",
      "--config", cliConfigPath]);
    expect(created.code).toBe(0);
    key = created.stdout.trim();
  });

  afterAll(async () => {
    for (const node of nodes) await node.gateway?.stop();
    await simulator?.close();
    rmSync(root, { recursive: true, force: true });
    await services?.close();
  });

  test("push applies on both nodes, ports kept", async () => {
    expect((await chat(nodes[0]!, key, "pushed-alias")).status).toBe(404);

    // The CLI's own file plus a new alias: its server.port and dataDir fit neither node.
    const file = join(root, "raw.yaml");
    writeFileSync(file, JSON.stringify(rawConfig(join(root, "cli"), 0, ["pushed-alias"])));
    const pushed = await runNexus(["config", "push", file, "--actor", "test",
      "--config", cliConfigPath]);
    expect(pushed.stderr).toBe("");
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toContain("node-local fields not applied");
    expect(pushed.stdout).toContain("server.port, dataDir");
    sha = pushed.stdout.match(/[0-9a-f]{64}/)?.[0] ?? "";

    const applied = await allNodesWithinSecond(async (node) =>
      (await chat(node, key, "pushed-alias")).status === 200);
    expect(applied).toBe(true);
    for (const node of nodes) {
      const loaded = node.gateway!.context.loaded;
      expect(loaded.config.server?.port).toBe(node.port);
      expect(loaded.dataDir).toBe(node.dir);
      expect(node.gateway!.port).toBe(node.port);
      expect(node.logs.filter((line) => line.event === "config.reload_rejected")).toEqual([]);
      const ignored = node.logs.filter((line) => line.event === "config.node_local_ignored");
      expect(ignored).toHaveLength(1);
      expect(ignored[0]).toMatchObject({ sha256: sha, fields: "server.port,dataDir" });
    }
  });

  test("config show lists node-local fields", async () => {
    const text = await runNexus(["config", "show", "--config", cliConfigPath]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`sha256 ${sha}`);
    expect(text.stdout).toContain("node-local (each node keeps its own file's values): " +
      "server.host, server.port, dataDir");
    expect(text.stdout).toContain("set in this version but not applied: server.host, " +
      "server.port, dataDir, storage, keySecretEnv");

    const json = await runNexus(["config", "show", "--json", "--config", cliConfigPath]);
    const shown = JSON.parse(json.stdout);
    expect(shown.sha256).toBe(sha);
    expect(shown.nodeLocalFields).toContain("keySecretEnv");
    expect(shown.notAppliedFields).toEqual(["server.host", "server.port", "dataDir", "storage",
      "keySecretEnv"]);
  });

  test("restarted node boots on pushed config", async () => {
    const node = nodes[1]!;
    await node.gateway!.stop();
    node.logs.length = 0;

    const gateway = await boot(node);
    expect(gateway.port).toBe(node.port);
    expect(gateway.context.loaded.config.server?.port).toBe(node.port);
    expect(gateway.context.loaded.dataDir).toBe(node.dir);
    // Applied before the first request: no wait for a signal.
    expect((await chat(node, key, "pushed-alias")).status).toBe(200);
    expect(node.logs.filter((line) => line.event === "config.reload_rejected")).toEqual([]);
    expect(node.logs.filter((line) => line.event === "config.reloaded" && line.sha256 === sha))
      .toHaveLength(1);
  });

  test("storage-changing push applies, survives restart", async () => {
    const start = nodes.map((node) => node.logs.length);
    const storage = productionStorage(services!) as { valkey: Record<string, unknown> };
    const prefix = `moved-${crypto.randomUUID()}:`;
    const raw = {
      ...rawConfig(join(root, "cli"), 0, ["moved-alias"]),
      storage: { ...storage, valkey: { ...storage.valkey, prefix } },
    };
    // Pushed with itself as the CLI's config, so the CLI's own storage matches the document.
    const file = join(root, "moved.yaml");
    writeFileSync(file, JSON.stringify(raw));
    const pushed = await runNexus(["config", "push", file, "--actor", "test", "--config", file]);
    expect(pushed.stderr).toBe("");
    expect(pushed.code).toBe(0);
    const movedSha = pushed.stdout.match(/[0-9a-f]{64}/)?.[0] ?? "";

    const applied = await allNodesWithinSecond(async (node) =>
      (await chat(node, key, "moved-alias")).status === 200);
    expect(applied).toBe(true);
    nodes.forEach((node, index) => {
      const lines = node.logs.slice(start[index]);
      expect(node.gateway!.context.loaded.config.storage as unknown).toEqual(node.raw.storage);
      expect(lines.filter((line) => line.event === "config.reload_rejected")).toEqual([]);
      const ignored = lines.filter((line) => line.event === "config.node_local_ignored");
      expect(ignored).toHaveLength(1);
      expect(ignored[0]).toMatchObject({ sha256: movedSha, fields: "server.port,dataDir,storage" });
    });

    const node = nodes[0]!;
    await node.gateway!.stop();
    node.logs.length = 0;
    await boot(node);
    expect((await chat(node, key, "moved-alias")).status).toBe(200);
    expect(node.gateway!.context.loaded.config.storage as unknown).toEqual(node.raw.storage);
    expect(node.logs.filter((line) => line.event === "config.reload_rejected")).toEqual([]);
    expect(node.logs.filter((line) => line.event === "config.boot_fallback")).toEqual([]);
    expect(node.logs.filter((line) =>
      line.event === "config.reloaded" && line.sha256 === movedSha)).toHaveLength(1);
  });
});
