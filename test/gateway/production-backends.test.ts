import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { busNames } from "../../runtime/bus/bus-names.ts";
import { NatsChangeSignals } from "../../runtime/bus/nats-change-signals.ts";
import { ConfigError, validateConfig } from "../../runtime/config/load.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { ValkeyQuotaStore } from "../../runtime/quota/valkey-quota-store.ts";
import { PgControlStore } from "../../runtime/storage/postgres/pg-control-store.ts";
import { PgEventStore } from "../../runtime/storage/postgres/pg-event-store.ts";
import { PgKeyStore } from "../../runtime/storage/postgres/pg-key-store.ts";
import { BackendUnavailableError } from "../../services/gateway/src/backends/service-error.ts";
import { type RunningGateway, startGateway } from "../../services/gateway/src/server.ts";
import { type Simulator, startSimulator } from "../simulator/server.ts";
import { TEST_NATS_URL, waitFor } from "../support/nats.ts";
import { openPostgresForTest, TEST_POSTGRES_URL } from "../support/postgres.ts";
import {
  busPrefix,
  gatewayConfig,
  NEXUS_CLI,
  openProductionServices,
  productionStorage as storageOn,
  runNexus,
} from "../support/production-gateway.ts";

const SIMULATOR_KEY_ENV = "NEXUS_PRODUCTION_TEST_SIMULATOR_KEY";
const KEY_SECRET_ENV = "NEXUS_PRODUCTION_TEST_KEY_SECRET";

// Null when a server is down (the tests skip); the helpers throw under CI=true.
const services = await openProductionServices();
const postgres = services?.postgres;
const valkey = services?.valkey;
const nats = services?.nats;

let simulator: Simulator;
let dataDir: string;
let configPath: string;
let gateway: RunningGateway;
let client: OpenAI;

function rawConfig(storage: Record<string, unknown> | undefined): Record<string, unknown> {
  return gatewayConfig({
    dataDir,
    simulatorUrl: simulator.url,
    keySecretEnv: KEY_SECRET_ENV,
    simulatorKeyEnv: SIMULATOR_KEY_ENV,
    storage,
  });
}

function productionStorage(): Record<string, unknown> {
  return storageOn(services!);
}

/** Runs the real CLI in a child process, as an operator would on any node. */
function nexusCli(...args: string[]): ReturnType<typeof runNexus> {
  return runNexus([...args, "--config", configPath]);
}

function chat(key: string): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }),
  });
}

/** Polls `check` every 10 ms and returns the ms it took to pass, or null after `timeoutMs`. */
async function msUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<number | null> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (await check()) return performance.now() - start;
    await Bun.sleep(10);
  }
  return null;
}

describe.skipIf(services === null)("production backends", () => {
  let key: string;

  beforeAll(async () => {
    process.env[SIMULATOR_KEY_ENV] = "sim-secret-value";
    process.env[KEY_SECRET_ENV] = `test-${crypto.randomUUID()}`;
    simulator = await startSimulator({ port: 0, hostname: "127.0.0.1" });
    dataDir = mkdtempSync(join(tmpdir(), "nexus-production-"));
    configPath = join(dataDir, "nexus.config.yaml");
    const raw = rawConfig(productionStorage());
    writeFileSync(configPath, JSON.stringify(raw));
    gateway = await startGateway(validateConfig(raw, configPath), {
      logger: createLogger(() => {}),
      port: 0,
    });
    const created = await nexusCli("keys", "create", "--org", "acme", "--models", "*");
    expect(created.code).toBe(0);
    key = created.stdout.trim();
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.stop();
    await simulator?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await services?.close();
  });

  describe("gateway on PostgreSQL, Valkey and NATS", () => {
    test("selects the production backends", async () => {
      expect(gateway.context.keys.constructor.name).toBe("PgKeyStore");
      const ready = await fetch(`${gateway.url}/readyz`);
      expect(ready.status).toBe(200);
      const body = await ready.json() as { backends: { name: string; ready: boolean }[] };
      expect(body.backends.map((backend) => backend.name)).toEqual(["postgres", "valkey", "nats"]);
      expect(body.backends.every((backend) => backend.ready)).toBe(true);
    });

    test("OpenAI SDK traffic event lands in PostgreSQL", async () => {
      const { data, response } = await client.chat.completions
        .create({ model: "gpt-test", messages: [{ role: "user", content: "hello" }] })
        .withResponse();
      expect(data.choices[0]?.message.content).toBeTruthy();
      const requestId = response.headers.get("x-request-id") ?? "";
      expect(requestId).not.toBe("");

      // Published to JetStream, then stored by the writer consumer in this gateway process.
      const store = new PgEventStore(postgres!.sql);
      expect(await waitFor(async () => (await store.get(requestId)) !== undefined, 10_000))
        .toBe(true);
      const event = await store.get(requestId);
      expect(event?.status).toBe(200);
      expect(event?.org).toBe("acme");
      expect(event?.model).toBe("gpt-test");
    });

    test("metrics count published and stored events", async () => {
      const metricValue = async (series: string): Promise<number> => {
        const text = await (await fetch(`${gateway.url}/metrics`)).text();
        const line = text.split("\n").find((row) => row.startsWith(`${series} `));
        return line === undefined ? 0 : Number(line.slice(series.length + 1));
      };
      const published = 'nexus_bus_published_total{record="event"}';
      const before = {
        published: await metricValue(published),
        written: await metricValue("nexus_audit_events_written_total"),
        committed: await metricValue("nexus_bus_events_committed_total"),
      };
      await client.chat.completions.create({
        model: "gpt-test", messages: [{ role: "user", content: "count me" }],
      });

      // The writer of this gateway process stores the event, so its counters move too.
      expect(await waitFor(async () =>
        await metricValue("nexus_audit_events_written_total") > before.written, 10_000))
        .toBe(true);
      expect(await metricValue(published)).toBeGreaterThan(before.published);
      expect(await waitFor(async () =>
        await metricValue("nexus_bus_events_committed_total") > before.committed, 10_000))
        .toBe(true);
    });

    test("quota spend is counted in Valkey", async () => {
      const response = await chat(key);
      expect(response.status).toBe(200);
      const counters = new ValkeyQuotaStore(valkey!.client, { prefix: valkey!.prefix });
      const counted = await waitFor(async () => {
        const usage = await counters.usage({ axis: "org", value: "acme", window: "hour" },
          Date.now());
        return usage.tokens > 0;
      }, 3000);
      expect(counted).toBe(true);
    });

    test("CLI key works and its revocation applies within 1 s", async () => {
      const created = await nexusCli("keys", "create", "--org", "acme", "--models", "*",
        "--json");
      expect(created.code).toBe(0);
      const { id, key: secret } = JSON.parse(created.stdout) as { id: string; key: string };
      expect((await chat(secret)).status).toBe(200);

      const revoked = await nexusCli("keys", "revoke", id);
      expect(revoked.code).toBe(0);
      expect(revoked.stderr).toBe("");
      const elapsed = await msUntil(async () => (await chat(secret)).status === 401, 1000);
      expect(elapsed).not.toBeNull();
    });

    test("keys signal drops the cached key at once", async () => {
      const created = await nexusCli("keys", "create", "--org", "acme", "--models", "*",
        "--json");
      const { id, key: secret } = JSON.parse(created.stdout) as { id: string; key: string };
      // Cached by digest for 1 s on the gateway; only the signal can end it sooner.
      expect((await chat(secret)).status).toBe(200);
      const otherNode = new PgKeyStore(postgres!.sql);
      expect(await otherNode.revoke(id, Date.now())).toBe(true);
      const signals = new NatsChangeSignals(nats!.nc, nats!.names.changeSubjectPrefix,
        createLogger(() => {}));
      await signals.notify("keys");
      const elapsed = await msUntil(async () => (await chat(secret)).status === 401, 300);
      await signals.close();
      expect(elapsed).not.toBeNull();
    });

    test("kill switch signal reaches a running gateway within 1 s", async () => {
      // A store with no watcher of its own, as on another node; only the signal reaches the
      // gateway before its 5 s safety reload.
      const otherNode = new PgControlStore(postgres!.sql);
      const signals = new NatsChangeSignals(nats!.nc, nats!.names.changeSubjectPrefix,
        createLogger(() => {}));
      await otherNode.engage({
        control: "kill",
        scope: { tier: "org", target: "acme" },
        reason: "production test",
        actor: "test",
      });
      await signals.notify("controls");
      try {
        const elapsed = await msUntil(async () => (await chat(key)).status === 503, 1000);
        expect(elapsed).not.toBeNull();
      } finally {
        await otherNode.lift({ control: "kill", scope: { tier: "org", target: "acme" },
          actor: "test" });
        await signals.notify("controls");
      }
      const restored = await msUntil(async () => (await chat(key)).status === 200, 1000);
      expect(restored).not.toBeNull();
      await signals.close();
    });

    test("kill engaged by the CLI applies within 1 s", async () => {
      const engaged = await nexusCli("kill", "engage", "--org", "acme", "--reason", "cli test");
      expect(engaged.code).toBe(0);
      try {
        const elapsed = await msUntil(async () => (await chat(key)).status === 503, 1000);
        expect(elapsed).not.toBeNull();
      } finally {
        const lifted = await nexusCli("kill", "lift", "--org", "acme");
        expect(lifted.code).toBe(0);
      }
      const restored = await msUntil(async () => (await chat(key)).status === 200, 1000);
      expect(restored).not.toBeNull();
    });
  });

  describe("nexus writer", () => {
    test("stores a gateway's events in PostgreSQL", async () => {
      // A bus of its own with no writer in the gateway, so only the writer process stores.
      const prefix = `${busPrefix(nats!)}w`;
      const raw = rawConfig({
        ...productionStorage(),
        nats: { url: TEST_NATS_URL, prefix, writer: false },
      });
      const path = join(dataDir, "writer.config.yaml");
      writeFileSync(path, JSON.stringify(raw));
      const node = await startGateway(validateConfig(raw, path), {
        logger: createLogger(() => {}),
        port: 0,
      });
      const writer = Bun.spawn([process.execPath, NEXUS_CLI, "writer", "--config", path], {
        env: { ...process.env, NEXUS_LOG_LEVEL: "error" },
        stdout: "ignore",
        stderr: "pipe",
      });
      try {
        const response = await fetch(`${node.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "w" }] }),
        });
        expect(response.status).toBe(200);
        const requestId = response.headers.get("x-request-id") ?? "";
        const store = new PgEventStore(postgres!.sql);
        expect(await waitFor(async () => (await store.get(requestId)) !== undefined, 10_000))
          .toBe(true);
      } finally {
        writer.kill("SIGTERM");
        await writer.exited;
        await node.stop();
        const names = busNames(prefix);
        for (const stream of [names.eventStream, names.deadLetterStream]) {
          await nats!.jsm.streams.delete(stream).catch(() => false);
        }
      }
    });
  });

  describe("nexus gateway", () => {
    test("exits 1 naming an unreachable service", async () => {
      const raw = rawConfig({ ...productionStorage(), valkey: { url: "redis://127.0.0.1:1" } });
      const path = join(dataDir, "unreachable.config.yaml");
      writeFileSync(path, JSON.stringify(raw));
      const child = Bun.spawn([process.execPath, NEXUS_CLI, "gateway", "--config", path], {
        env: { ...process.env, NEXUS_LOG_LEVEL: "error" },
        stdout: "ignore",
        stderr: "pipe",
      });
      const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
      expect(code).toBe(1);
      expect(stderr).toContain("Valkey at redis://127.0.0.1:1 is unreachable");
    });
  });

  describe("production boot failures", () => {
    async function bootError(storage: Record<string, unknown>): Promise<Error> {
      process.env[KEY_SECRET_ENV] = `test-${crypto.randomUUID()}`;
      const loaded = validateConfig(rawConfig(storage), join(dataDir, "nexus.config.yaml"));
      try {
        const started = await startGateway(loaded, { logger: createLogger(() => {}), port: 0 });
        await started.stop();
      } catch (error) {
        return error as Error;
      }
      throw new Error("the gateway booted");
    }

    test("unreachable PostgreSQL is named with a masked URL", async () => {
      const error = await bootError({
        ...productionStorage(),
        postgres: { url: "postgres://nexus:hunter2@127.0.0.1:1/nexus" },
      });
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(error.message).toContain(
        "PostgreSQL at postgres://nexus:***@127.0.0.1:1/nexus is unreachable");
      expect(error.message).not.toContain("hunter2");
    });

    test("unreachable Valkey is named", async () => {
      const error = await bootError({
        ...productionStorage(),
        valkey: { url: "redis://127.0.0.1:1" },
      });
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(error.message).toContain("Valkey at redis://127.0.0.1:1 is unreachable");
    });

    test("unreachable NATS is named", async () => {
      const error = await bootError({
        ...productionStorage(),
        nats: { url: "nats://127.0.0.1:1" },
      });
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(error.message).toContain("NATS at nats://127.0.0.1:1 is unreachable");
    });

    test("every unreachable service is named at once", async () => {
      const error = await bootError({
        postgres: { url: "postgres://postgres@127.0.0.1:1/nexus" },
        valkey: { url: "redis://127.0.0.1:1" },
        nats: { url: "nats://127.0.0.1:1" },
      });
      expect(error.message).toContain("PostgreSQL at");
      expect(error.message).toContain("Valkey at");
      expect(error.message).toContain("NATS at");
    });

    test("partial storage config names the missing services", async () => {
      const { nats: _nats, valkey: _valkey, ...partial } = productionStorage();
      const error = await bootError(partial);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain("storage.valkey and storage.nats");
    });

    test("missing key secret names the variable", async () => {
      const loaded = validateConfig(rawConfig(productionStorage()),
        join(dataDir, "nexus.config.yaml"));
      delete process.env[KEY_SECRET_ENV];
      const error = await startGateway(loaded, { logger: createLogger(() => {}), port: 0 })
        .then(() => null, (failure: Error) => failure);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error?.message).toContain(KEY_SECRET_ENV);
    });

    test("unmigrated schema asks for nexus migrate", async () => {
      const bare = await openPostgresForTest({ migrate: false });
      try {
        const error = await bootError({
          ...productionStorage(),
          postgres: { url: TEST_POSTGRES_URL, schema: bare!.schema },
        });
        expect(error).toBeInstanceOf(BackendUnavailableError);
        expect(error.message).toContain("is not migrated");
        expect(error.message).toContain("nexus migrate");
      } finally {
        await bare?.close();
      }
    });
  });
});
