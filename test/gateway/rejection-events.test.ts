import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventStore, TrafficEvent } from "../../runtime/audit/traffic-event.ts";
import { validateConfig } from "../../runtime/config/load.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { type RunningGateway, startGateway } from "../../services/gateway/src/server.ts";
import { type Simulator, startSimulator } from "../simulator/server.ts";
import { eventually, type Harness, startHarness } from "../support/harness.ts";
import {
  gatewayConfig, openProductionServices, productionStorage,
} from "../support/production-gateway.ts";

interface Target {
  url(): string;
  events(): EventStore;
  /** Makes events written so far visible in `events()`. */
  flush(): Promise<void>;
}

/** Returns every stored event of the client request id, once at least one has landed. */
async function eventsOf(target: Target, clientRequestId: string): Promise<TrafficEvent[]> {
  await target.flush();
  return await eventually(async () => {
    const found = await target.events().list({ limit: 10, clientRequestId });
    return found.length > 0 ? found : undefined;
  }, 10_000);
}

function send(target: Target, method: string, path: string): Promise<Response> {
  const clientRequestId = `rejected-${crypto.randomUUID()}`;
  return fetch(`${target.url()}${path}`, {
    method,
    headers: { "x-client-request-id": clientRequestId, "content-type": "application/json" },
    body: method === "GET" ? undefined : JSON.stringify({ secret: "body-must-not-be-stored" }),
  });
}

/** Registers the same checks for the embedded store and for PostgreSQL, Valkey and NATS. */
function rejectionTests(target: Target): void {
  test("404 writes exactly one event", async () => {
    const response = await send(target, "POST", "/v1/no-such-route");
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("route_not_found");

    const clientId = response.headers.get("x-client-request-id")!;
    const events = await eventsOf(target, clientId);
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event.requestId).toBe(response.headers.get("x-request-id")!);
    expect(event.status).toBe(404);
    expect(event.errorCode).toBe("route_not_found");
    expect(event.route).toBe("(unmatched)");
    expect(event.detail.path).toBe("/v1/no-such-route");
    expect(event.detail.method).toBe("POST");
    expect(JSON.stringify(event)).not.toContain("body-must-not-be-stored");
  });

  test("405 writes exactly one event", async () => {
    const response = await send(target, "GET", "/v1/chat/completions");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("method_not_allowed");

    const events = await eventsOf(target, response.headers.get("x-client-request-id")!);
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event.requestId).toBe(response.headers.get("x-request-id")!);
    expect(event.status).toBe(405);
    expect(event.errorCode).toBe("method_not_allowed");
    expect(event.route).toBe("/v1/chat/completions");
    expect(event.detail.method).toBe("GET");
    expect(event.detail.path).toBeUndefined();
  });

  test("long path is bounded in event", async () => {
    const path = `/${"p".repeat(5_000)}`;
    const response = await send(target, "GET", path);
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message.length).toBeLessThan(400);

    const [event] = await eventsOf(target, response.headers.get("x-client-request-id")!);
    expect(String(event!.detail.path).length).toBeLessThan(300);
    expect(String(event!.detail.path)).toContain("(5001 characters)");
    expect(String(event!.detail.error_message).length).toBeLessThan(400);
  });
}

describe("rejection events, embedded", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  rejectionTests({
    url: () => harness.gateway.url,
    events: () => harness.gateway.context.events,
    flush: () => harness.gateway.context.eventWriter.flush(),
  });
});

// Null when a service is down (the tests skip); the helpers throw under CI=true.
const services = await openProductionServices();

describe.skipIf(services === null)("rejection events, production", () => {
  const keySecretEnv = "NEXUS_REJECTION_TEST_KEY_SECRET";
  const simulatorKeyEnv = "NEXUS_REJECTION_TEST_SIMULATOR_KEY";
  let simulator: Simulator;
  let gateway: RunningGateway;
  let dataDir: string;

  beforeAll(async () => {
    process.env[keySecretEnv] = `test-${crypto.randomUUID()}`;
    process.env[simulatorKeyEnv] = "sim-secret-value";
    simulator = await startSimulator({ port: 0, hostname: "127.0.0.1" });
    dataDir = mkdtempSync(join(tmpdir(), "nexus-rejection-"));
    const raw = gatewayConfig({
      dataDir,
      simulatorUrl: simulator.url,
      keySecretEnv,
      simulatorKeyEnv,
      storage: productionStorage(services!),
    });
    gateway = await startGateway(validateConfig(raw, join(dataDir, "nexus.config.yaml")),
      { logger: createLogger(() => {}), port: 0 });
  });

  afterAll(async () => {
    await gateway?.stop();
    await simulator?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await services?.close();
  });

  rejectionTests({
    url: () => gateway.url,
    events: () => gateway.context.events,
    // The NATS writer of this gateway stores the event; `eventsOf` polls until it lands.
    flush: () => Promise.resolve(),
  });
});
