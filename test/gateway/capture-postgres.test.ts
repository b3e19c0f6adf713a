import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TrafficEvent } from "../../runtime/audit/traffic-event.ts";
import { validateConfig } from "../../runtime/config/load.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { PgEventStore } from "../../runtime/storage/postgres/pg-event-store.ts";
import { BUS_MAX_INLINE_BYTES } from "../../services/gateway/src/capture.ts";
import { type RunningGateway, startGateway } from "../../services/gateway/src/server.ts";
import { type Simulator, startSimulator } from "../simulator/server.ts";
import { eventually } from "../support/harness.ts";
import {
  gatewayConfig, openProductionServices, productionStorage, runNexus,
} from "../support/production-gateway.ts";

const SIMULATOR_KEY_ENV = "NEXUS_CAPTURE_PG_TEST_SIMULATOR_KEY";
const KEY_SECRET_ENV = "NEXUS_CAPTURE_PG_TEST_KEY_SECRET";
/** Small, so every body below has a spill part, which must land in PostgreSQL. */
const INLINE_LIMIT = 64;

// Null when a server is down (the tests skip); the helpers throw under CI=true.
const services = await openProductionServices();

let simulator: Simulator;
let dataDir: string;
let configPath: string;
const gateways: RunningGateway[] = [];
let key: string;
let events: PgEventStore;

/** Starts a production gateway node with its own data folder and the given capture section. */
async function startNode(capture: Record<string, unknown>): Promise<RunningGateway> {
  const nodeDir = mkdtempSync(join(dataDir, "node-"));
  const raw = {
    ...gatewayConfig({
      dataDir: nodeDir, simulatorUrl: simulator.url, keySecretEnv: KEY_SECRET_ENV,
      simulatorKeyEnv: SIMULATOR_KEY_ENV, storage: productionStorage(services!),
    }),
    capture,
  };
  const gateway = await startGateway(validateConfig(raw, join(nodeDir, "nexus.config.json")),
    { logger: createLogger(() => {}), port: 0 });
  gateways.push(gateway);
  return gateway;
}

/** Runs the CLI with a config of its own data folder, as on a machine that served nothing. */
function nexusCli(...args: string[]): ReturnType<typeof runNexus> {
  return runNexus([...args, "--config", configPath]);
}

async function chat(gateway: RunningGateway, content: string, stream = false): Promise<string> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", stream, messages: [{ role: "user", content }] }),
  });
  expect(response.status).toBe(200);
  await response.text();
  return response.headers.get("x-request-id")!;
}

/** Waits until the writer stored the request's event in PostgreSQL. */
function storedEvent(requestId: string): Promise<TrafficEvent> {
  return eventually(() => events.get(requestId), 10_000);
}

/** Returns the text `events show` printed under a part's header line, and the header. */
function printedBody(stdout: string, part: "request" | "response") {
  const start = stdout.indexOf(`--- ${part} body: `);
  if (start === -1) return null;
  const headerEnd = stdout.indexOf(" ---\n", start);
  const next = stdout.indexOf("\n--- ", headerEnd + 5);
  return {
    header: stdout.slice(start, headerEnd + 4),
    text: stdout.slice(headerEnd + 5, next === -1 ? undefined : next + 1),
  };
}

describe.skipIf(services === null)("body capture on PostgreSQL", () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    process.env[SIMULATOR_KEY_ENV] = "sim-secret-value";
    process.env[KEY_SECRET_ENV] = `test-${crypto.randomUUID()}`;
    simulator = await startSimulator({ port: 0, hostname: "127.0.0.1" });
    dataDir = mkdtempSync(join(tmpdir(), "nexus-capture-pg-"));
    events = new PgEventStore(services!.postgres.sql);
    gateway = await startNode({ enabled: true, maxInlineBytes: INLINE_LIMIT });

    // The CLI's config names another data folder: nothing it reads may come from a node's disk.
    const cliDir = mkdtempSync(join(dataDir, "cli-"));
    configPath = join(cliDir, "nexus.config.json");
    writeFileSync(configPath, JSON.stringify({
      ...gatewayConfig({
        dataDir: cliDir, simulatorUrl: simulator.url, keySecretEnv: KEY_SECRET_ENV,
        simulatorKeyEnv: SIMULATOR_KEY_ENV, storage: productionStorage(services!),
      }),
      capture: { enabled: true, maxInlineBytes: INLINE_LIMIT },
    }));
    const created = await nexusCli("keys", "create", "--org", "acme", "--models", "*");
    expect(created.code).toBe(0);
    key = created.stdout.trim();
  });

  afterAll(async () => {
    for (const node of gateways) await node.stop();
    await simulator?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await services?.close();
  });

  test("large bodies go to PostgreSQL, not the node's disk", async () => {
    const prompt = `pg-capture ${"x".repeat(150_000)}`;
    const id = await chat(gateway, prompt);
    const event = await storedEvent(id);

    expect(event.capture!.request!.size).toBeGreaterThan(150_000);
    expect(event.capture!.request!.inlineBytes).toBe(INLINE_LIMIT);
    expect(event.capture!.request!.spill).not.toBeNull();
    expect(event.capture!.response!.spill).not.toBeNull();
    expect(existsSync(join(gateway.context.loaded.dataDir, "spill"))).toBe(false);

    const shown = await nexusCli("events", "show", id);
    expect(shown.stderr).toBe("");
    expect(shown.code).toBe(0);
    const request = printedBody(shown.stdout, "request")!;
    expect(request.header).toBe(`--- request body: ${event.capture!.request!.size} bytes, ` +
      `application/json, redacted, sha256 ${event.capture!.request!.sha256} ---`);
    expect(JSON.parse(request.text).messages[0].content).toBe(prompt);
    expect(printedBody(shown.stdout, "response")!.text).toContain("chat.completion");
  });

  test("inline part is capped so the event fits in a NATS message", async () => {
    const node = await startNode({ enabled: true, maxInlineBytes: 4 * 1024 * 1024 });
    const prompt = "y".repeat(900_000);
    const id = await chat(node, prompt);
    // Unless capped, the request body alone makes the event larger than 1 MiB, which NATS
    // rejects, and the event would never be stored.
    const event = await storedEvent(id);
    expect(event.capture!.request!.inlineBytes).toBe(BUS_MAX_INLINE_BYTES);
    expect(event.capture!.request!.spill).not.toBeNull();

    const shown = await nexusCli("events", "show", id);
    expect(shown.code).toBe(0);
    expect(JSON.parse(printedBody(shown.stdout, "request")!.text).messages[0].content)
      .toBe(prompt);
  });

  test("a stream's SSE bytes are printed as sent", async () => {
    const id = await chat(gateway, "stream me", true);
    const event = await storedEvent(id);
    expect(event.capture!.response!.contentType).toBe("text/event-stream");

    const shown = await nexusCli("events", "show", id);
    expect(shown.code).toBe(0);
    const response = printedBody(shown.stdout, "response")!;
    expect(response.header).toContain(`${event.capture!.response!.size} bytes, ` +
      "text/event-stream, redacted");
    expect(response.header).not.toContain("expected");
    expect(response.text).toContain("data: [DONE]");
  });

  test("events prune clears bodies and show reports them pruned", async () => {
    const id = await chat(gateway, "prune me later");
    const before = await storedEvent(id);
    expect(before.capture!.prunedAt).toBeNull();

    const pruned = await nexusCli("events", "prune", "--older-than", "0.01s");
    expect(pruned.stderr).toBe("");
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(/^pruned bodies of \d+ event\(s\), deleted \d+ spill file\(s\)/);

    const after = (await events.get(id))!;
    expect(after.status).toBe(200);
    expect(after.capture!.prunedAt).toBeNumber();
    expect(after.capture!.request!.sha256).toBe(before.capture!.request!.sha256);
    const shown = await nexusCli("events", "show", id);
    expect(shown.code).toBe(0);
    expect(printedBody(shown.stdout, "request")!.header).toContain("deleted by retention");
    expect(shown.stdout).not.toContain("prune me later\"");
    const [row] = await services!.postgres.sql<{ request_body: unknown; chunks: number }[]>`
      SELECT request_body, (SELECT count(*)::int FROM capture_spill_chunks
        WHERE request_id = ${id}) AS chunks
      FROM traffic_events WHERE request_id = ${id}`;
    expect(row).toEqual({ request_body: null, chunks: 0 });
  });

  test("stop after a large capture keeps every chunk", async () => {
    const node = await startNode({ enabled: true, redacted: false, maxInlineBytes: INLINE_LIMIT });
    // Raw mode spills the body as it arrives, so it becomes a chain of many INSERTs.
    const prompt = `stop-after ${"s".repeat(2_000_000)}`;
    const id = await chat(node, prompt);
    gateways.splice(gateways.indexOf(node), 1);
    await node.stop();

    // The first node's bus writer stores the event that the stopped node published.
    const event = await storedEvent(id);
    const shown = await nexusCli("events", "show", id);
    expect(shown.stderr).toBe("");
    expect(shown.code).toBe(0);
    const request = printedBody(shown.stdout, "request")!;
    expect(request.header).toBe(`--- request body: ${event.capture!.request!.size} bytes, ` +
      `application/json, raw, sha256 ${event.capture!.request!.sha256} ---`);
    expect(JSON.parse(request.text).messages[0].content).toBe(prompt);
  }, 20_000);

  test("events prune rejects a bad age in the CLI's error form", async () => {
    const result = await nexusCli("events", "prune", "--older-than", "soon");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('invalid --older-than "soon"');
  });

  test("the gateway's retention job prunes on PostgreSQL", async () => {
    const id = await chat(gateway, "expire soon");
    expect((await storedEvent(id)).capture!.prunedAt).toBeNull();

    // A second node whose retention is one second prunes what the first node captured.
    await startNode({ enabled: true, maxInlineBytes: INLINE_LIMIT, retentionDays: 1 / 86_400 });
    const prunedAt = await eventually(
      async () => (await events.get(id))?.capture?.prunedAt ?? undefined, 8000);
    expect(prunedAt).toBeNumber();
    expect((await events.get(id))!.status).toBe(200);
  }, 15_000);
});
