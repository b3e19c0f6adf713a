import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../../runtime/config/load.ts";
import { createVirtualKey } from "../../runtime/identity/keys/create.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { PgEventStore } from "../../runtime/storage/postgres/pg-event-store.ts";
import { type RunningGateway, startGateway } from "../../services/gateway/src/server.ts";
import { type Simulator, startSimulator } from "../simulator/server.ts";
import { waitFor } from "../support/nats.ts";
import {
  gatewayConfig,
  openProductionServices,
  productionStorage,
} from "../support/production-gateway.ts";

const SIMULATOR_KEY_ENV = "NEXUS_OVERSIZED_TEST_SIMULATOR_KEY";
const KEY_SECRET_ENV = "NEXUS_OVERSIZED_TEST_KEY_SECRET";
const HUGE = 1_500_000;
/** Well above any bounded error body, far below the echoed megabytes. */
const MAX_ERROR_BODY_BYTES = 4096;

// Null when a server is down (the tests skip); the helpers throw under CI=true.
const services = await openProductionServices();

let simulator: Simulator;
let dataDir: string;
let gateway: RunningGateway;
let key: string;
const logs: Record<string, unknown>[] = [];

describe.skipIf(services === null)("oversized client input on production backends", () => {
  beforeAll(async () => {
    process.env[SIMULATOR_KEY_ENV] = "sim-secret-value";
    process.env[KEY_SECRET_ENV] = `test-${crypto.randomUUID()}`;
    simulator = await startSimulator({ port: 0, hostname: "127.0.0.1" });
    dataDir = mkdtempSync(join(tmpdir(), "nexus-oversized-"));
    const raw = gatewayConfig({
      dataDir,
      simulatorUrl: simulator.url,
      keySecretEnv: KEY_SECRET_ENV,
      simulatorKeyEnv: SIMULATOR_KEY_ENV,
      storage: productionStorage(services!),
    });
    // Room for the 1.5 MB values, which a default body limit might reject first.
    raw.server = { host: "127.0.0.1", port: 0, maxBodyBytes: 4 * 1024 * 1024 };
    gateway = await startGateway(validateConfig(raw, join(dataDir, "nexus.config.yaml")), {
      logger: createLogger((line) => logs.push(JSON.parse(line) as Record<string, unknown>)),
      port: 0,
    });
    const created = await createVirtualKey(gateway.context.keys, gateway.context.hmacSecret,
      { org: "acme", models: ["*"] });
    key = created.secret;
  });

  afterAll(async () => {
    await gateway?.stop();
    await simulator?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await services?.close();
  });

  /** Sends a chat request and returns its short error body and its event from PostgreSQL. */
  async function rejected(body: Record<string, unknown>, status: number) {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    expect(response.status).toBe(status);
    expect(text.length).toBeLessThan(MAX_ERROR_BODY_BYTES);

    const requestId = response.headers.get("x-request-id") ?? "";
    const store = new PgEventStore(services!.postgres.sql);
    const stored = await waitFor(async () => (await store.get(requestId)) !== undefined, 10_000);
    return { stored, requestId, event: await store.get(requestId) };
  }

  test("huge model name leaves its event", async () => {
    const messages = [{ role: "user", content: "hi" }];
    const result = await rejected({ model: "r".repeat(HUGE), messages }, 404);

    expect(result.stored).toBe(true);
    expect(result.event?.errorCode).toBe("model_not_found");
    expect(result.event?.model).toContain(`(${HUGE} characters)`);
    const failed = logs.filter((line) => line.event === "audit.write_failed"
      && line.request_id === result.requestId);
    expect(failed).toEqual([]);
  });

  test("huge unknown field leaves its event", async () => {
    const messages = [{ role: "user", content: "hi" }];
    const result = await rejected({ model: "gpt-test", messages, ["f".repeat(HUGE)]: 1 }, 400);

    expect(result.stored).toBe(true);
    expect(result.event?.errorCode).toBe("unknown_parameter");
    expect(String(result.event?.detail.error_message)).toContain(`(${HUGE} characters)`);
  });
});
