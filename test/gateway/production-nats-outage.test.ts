import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../../runtime/config/load.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { PgEventStore } from "../../runtime/storage/postgres/pg-event-store.ts";
import { type RunningGateway, startGateway } from "../../services/gateway/src/server.ts";
import { startThrowawayNats, type ThrowawayNats } from "../runtime/bus/throwaway-nats.ts";
import { type Simulator, startSimulator } from "../simulator/server.ts";
import { REPO_ROOT } from "../support/fixtures.ts";
import { waitFor } from "../support/nats.ts";
import { openPostgresForTest, TEST_POSTGRES_URL } from "../support/postgres.ts";
import { openValkeyForTest, TEST_VALKEY_URL } from "../support/valkey.ts";

const SIMULATOR_KEY_ENV = "NEXUS_OUTAGE_TEST_SIMULATOR_KEY";
const KEY_SECRET_ENV = "NEXUS_OUTAGE_TEST_KEY_SECRET";
const NEXUS = join(REPO_ROOT, "bin", "nexus.ts");

// Each helper returns null when its server is down (the tests skip) and throws under CI=true.
const postgres = await openPostgresForTest();
const valkey = await openValkeyForTest();
const nats: ThrowawayNats | null = await startThrowawayNats();
const available = postgres !== null && valkey !== null && nats !== null;

let simulator: Simulator;
let dataDir: string;
let configPath: string;
let raw: Record<string, unknown>;
let key: string;

function startNode(): Promise<RunningGateway> {
  return startGateway(validateConfig(raw, configPath), { logger: createLogger(() => {}),
    port: 0 });
}

async function timedFetch(url: string, init: RequestInit): Promise<[Response, number]> {
  const started = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return [response, performance.now() - started];
}

function chat(node: RunningGateway): Promise<[Response, number]> {
  return timedFetch(`${node.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }),
  });
}

describe.skipIf(!available)("production gateway during a NATS outage", () => {
  beforeAll(async () => {
    process.env[SIMULATOR_KEY_ENV] = "sim-secret-value";
    process.env[KEY_SECRET_ENV] = `test-${crypto.randomUUID()}`;
    simulator = await startSimulator({ port: 0, hostname: "127.0.0.1" });
    dataDir = mkdtempSync(join(tmpdir(), "nexus-outage-"));
    configPath = join(dataDir, "nexus.config.yaml");
    raw = {
      server: { host: "127.0.0.1", port: 0 },
      dataDir,
      keySecretEnv: KEY_SECRET_ENV,
      providers: { openai: { type: "openai", baseUrl: `${simulator.url}/openai/v1`,
        apiKeyEnv: SIMULATOR_KEY_ENV, timeoutMs: 2000 } },
      models: { "gpt-test": { provider: "openai", upstreamModel: "gpt-4o-mini" } },
      storage: {
        postgres: { url: TEST_POSTGRES_URL, schema: postgres!.schema },
        valkey: { url: TEST_VALKEY_URL, prefix: valkey!.prefix },
        nats: { url: nats!.url, prefix: `nexus_outage_${crypto.randomUUID().slice(0, 8)}` },
      },
    };
    writeFileSync(configPath, JSON.stringify(raw));
    const created = Bun.spawn([process.execPath, NEXUS, "keys", "create", "--org", "acme",
      "--models", "*", "--config", configPath], {
      env: { ...process.env, NEXUS_LOG_LEVEL: "error" }, stdout: "pipe", stderr: "ignore",
    });
    key = (await new Response(created.stdout).text()).trim();
    expect(await created.exited).toBe(0);
  });

  afterAll(async () => {
    await simulator?.close();
    await nats?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
    await postgres?.close();
    await valkey?.close();
  });

  test("answers promptly, spills at stop and publishes at the next boot", async () => {
    const node = await startNode();
    let stopped = false;
    try {
      expect((await chat(node))[0].status).toBe(200);
      await nats!.stop();

      const [cut, cutMs] = await chat(node);
      expect(cut.status).toBe(200);
      expect(cutMs).toBeLessThan(2000);
      const [models, modelsMs] = await timedFetch(`${node.url}/v1/models`,
        { headers: { authorization: `Bearer ${key}` } });
      expect(models.status).toBe(200);
      expect(modelsMs).toBeLessThan(1000);
      const requestId = cut.headers.get("x-request-id") ?? "";

      await node.stop();
      stopped = true;
      expect(existsSync(join(dataDir, "bus-spill", "unpublished.jsonl"))).toBe(true);

      // The next boot of the node republishes what the stop spilled.
      await nats!.start();
      const next = await startNode();
      try {
        const store = new PgEventStore(postgres!.sql);
        expect(await waitFor(async () => (await store.get(requestId)) !== undefined, 15_000))
          .toBe(true);
        expect((await store.get(requestId))?.status).toBe(200);
        expect(await waitFor(() => readdirSync(join(dataDir, "bus-spill")).length === 0, 5000))
          .toBe(true);
      } finally {
        await next.stop();
      }
    } finally {
      if (!stopped) await node.stop();
    }
  }, 60_000);
});
