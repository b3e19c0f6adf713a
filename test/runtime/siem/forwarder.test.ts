import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { ConfigError } from "../../../runtime/config/load.ts";
import { createLogger } from "../../../runtime/observability/log.ts";
import { buildSiemForwarder } from "../../../runtime/siem/build.ts";
import type { SiemConfig, SiemSinkConfig } from "../../../runtime/siem/config-schema.ts";
import type { SiemForwarder } from "../../../runtime/siem/forwarder.ts";
import type { SiemRecord } from "../../../runtime/siem/record.ts";
import {
  type FakeHttpSink, parseCef, parseSyslog, startFakeHttpSink, startStreamReceiver, waitFor,
} from "./support.ts";

const TOKEN = "hec-secret-token-42";

interface Setup {
  forwarder: SiemForwarder;
  registry: Registry;
  logs: Record<string, unknown>[];
  logText: () => string;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "nexus-siem-fwd-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function hecSink(url: string, overrides: Partial<SiemSinkConfig> = {}): SiemSinkConfig {
  return {
    name: "hec", type: "splunk_hec", url, tokenEnv: "TEST_HEC_TOKEN",
    batchMaxRecords: 10, batchMaxWaitMs: 20, retryInitialMs: 10, retryMaxMs: 40,
    timeoutMs: 1000, fsync: "always", ...overrides,
  } as SiemSinkConfig;
}

function start(config: SiemConfig, dir: string): Setup {
  const registry = new Registry();
  const logs: Record<string, unknown>[] = [];
  const lines: string[] = [];
  const logger = createLogger((line) => {
    lines.push(line);
    logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const forwarder = buildSiemForwarder({
    config, dataDir: dir, logger, registry, productVersion: "1.0.0",
    env: { TEST_HEC_TOKEN: TOKEN, TEST_HMAC: "hmac-secret-key" },
  });
  return { forwarder, registry, logs, logText: () => lines.join("") };
}

function records(from: number, count: number, kind = "traffic"): SiemRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    kind, id: `r${from + i}`, time: 1000 + from + i, data: { n: from + i },
  }));
}

/** Ids of every event the fake HEC received, in arrival order. */
function hecIds(hec: FakeHttpSink): string[] {
  return hec.requests.flatMap((request) =>
    request.body.split("\n").map((line) => (JSON.parse(line) as { event: SiemRecord }).event.id));
}

async function metric(registry: Registry, name: string, labels: string): Promise<number> {
  const text = await registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

/**
 * Polls a metric until it has the expected value, because the worker counts a send only after
 * the fake receiver's response arrives, a moment after the receiver recorded the request.
 */
async function settledMetric(registry: Registry, name: string, labels: string,
  expected: number): Promise<number> {
  const end = Date.now() + 3000;
  let value = await metric(registry, name, labels);
  while (value !== expected && Date.now() < end) {
    await Bun.sleep(10);
    value = await metric(registry, name, labels);
  }
  return value;
}

describe("SIEM forwarder", () => {
  test("batches by size", async () => {
    const hec = startFakeHttpSink();
    cleanups.push(() => hec.close());
    const { forwarder } = start({ sinks: [hecSink(hec.url, { batchMaxRecords: 3,
      batchMaxWaitMs: 60_000 })] }, dataDir());
    forwarder.forward(records(0, 7));

    expect(await waitFor(() => hec.requests.length === 2)).toBe(true);
    await Bun.sleep(50);
    expect(hec.requests.length).toBe(2);
    expect(hec.requests.map((r) => r.body.split("\n").length)).toEqual([3, 3]);
    await forwarder.stop(1000);
    expect(hec.requests.length).toBe(3);
    expect(hecIds(hec)).toEqual(records(0, 7).map((r) => r.id));
  });

  test("batches by time", async () => {
    const hec = startFakeHttpSink();
    cleanups.push(() => hec.close());
    const { forwarder } = start({ sinks: [hecSink(hec.url, { batchMaxRecords: 100,
      batchMaxWaitMs: 150 })] }, dataDir());
    forwarder.forward(records(0, 2));
    await Bun.sleep(60);
    expect(hec.requests.length).toBe(0);
    expect(await waitFor(() => hec.requests.length === 1)).toBe(true);
    expect(hecIds(hec)).toEqual(["r0", "r1"]);
    await forwarder.stop(100);
  });

  test("retries 503 then succeeds", async () => {
    const hec = startFakeHttpSink();
    cleanups.push(() => hec.close());
    hec.statuses.push(503, 503);
    const { forwarder, registry, logs, logText } = start({ sinks: [hecSink(hec.url)] }, dataDir());
    forwarder.forward(records(0, 2));

    expect(await waitFor(() => hec.requests.length === 3)).toBe(true);
    expect(hec.requests[0]!.body).toBe(hec.requests[2]!.body);
    expect(await settledMetric(registry, "nexus_siem_records_sent_total", 'sink="hec"', 2))
      .toBe(2);
    expect(await metric(registry, "nexus_siem_send_failures_total",
      'sink="hec",action="retry"')).toBe(2);
    expect(logs.filter((l) => l.event === "siem.send_failed").length).toBe(2);
    expect(await waitFor(() => logs.some((l) => l.event === "siem.sink_recovered"))).toBe(true);
    expect(logText()).not.toContain(TOKEN);
    await forwarder.stop(100);
  });

  test("401 halts without retry and keeps the queue", async () => {
    const hec = startFakeHttpSink();
    cleanups.push(() => hec.close());
    hec.statuses.push(401);
    const { forwarder, registry, logs, logText } = start({ sinks: [hecSink(hec.url)] }, dataDir());
    forwarder.forward(records(0, 4));

    expect(await waitFor(() => logs.some((l) => l.event === "siem.sink_halted"))).toBe(true);
    forwarder.forward(records(4, 2));
    await Bun.sleep(200);
    expect(hec.requests.length).toBe(1);
    const halted = logs.find((l) => l.event === "siem.sink_halted")!;
    expect(String(halted.error)).toContain("HTTP 401");
    expect(String(halted.error)).toContain("credential");
    expect(await metric(registry, "nexus_siem_queue_records", 'sink="hec"')).toBe(6);
    expect(logText()).not.toContain(TOKEN);
    await forwarder.stop(100);
  });

  test("400 drops the batch and goes on", async () => {
    const hook = startFakeHttpSink();
    cleanups.push(() => hook.close());
    hook.statuses.push(400);
    const { forwarder, registry, logs } = start({ sinks: [{
      name: "hook", type: "webhook", url: hook.url, hmacSecretEnv: "TEST_HMAC",
      batchMaxRecords: 2, batchMaxWaitMs: 10, retryInitialMs: 10,
    }] }, dataDir());
    forwarder.forward(records(0, 4));

    expect(await waitFor(() => hook.requests.length === 2)).toBe(true);
    expect((JSON.parse(hook.requests[1]!.body) as SiemRecord[]).map((r) => r.id))
      .toEqual(["r2", "r3"]);
    expect(await metric(registry, "nexus_siem_records_dropped_total",
      'sink="hook",reason="rejected"')).toBe(2);
    const dropped = logs.find((l) => l.event === "siem.records_dropped")!;
    expect(dropped.records).toBe(2);
    expect(JSON.stringify(logs)).not.toContain("hmac-secret-key");
    await forwarder.stop(100);
  });

  test("outage queues on disk, recovery delivers all in order", async () => {
    const down = startFakeHttpSink();
    const port = down.port;
    await down.close();
    const dir = dataDir();
    const { forwarder, registry } = start({ sinks: [hecSink(`http://127.0.0.1:${port}`)] }, dir);

    for (let from = 0; from < 50; from += 5) {
      forwarder.forward(records(from, 5));
      await Bun.sleep(5);
    }
    await Bun.sleep(100);
    const queueDir = join(dir, "siem", "hec");
    const bytesOnDisk = readdirSync(queueDir).filter((name) => name.endsWith(".seg"))
      .reduce((sum, name) => sum + statSync(join(queueDir, name)).size, 0);
    expect(bytesOnDisk).toBeGreaterThan(0);
    expect(await metric(registry, "nexus_siem_queue_records", 'sink="hec"')).toBe(50);
    expect(await metric(registry, "nexus_siem_queue_bytes", 'sink="hec"')).toBe(bytesOnDisk);

    const hec = startFakeHttpSink(port);
    cleanups.push(() => hec.close());
    expect(await waitFor(() => hecIds(hec).length >= 50, 5000)).toBe(true);
    const ids = hecIds(hec);
    expect(ids).toEqual(records(0, 50).map((r) => r.id));
    expect(await settledMetric(registry, "nexus_siem_queue_records", 'sink="hec"', 0)).toBe(0);
    await forwarder.stop(100);
  });

  test("restart replays a non-empty queue", async () => {
    const down = startFakeHttpSink();
    const port = down.port;
    await down.close();
    const dir = dataDir();
    const sinks = [hecSink(`http://127.0.0.1:${port}`)];

    const first = start({ sinks }, dir);
    first.forwarder.forward(records(0, 20));
    await Bun.sleep(50);
    await first.forwarder.stop(30);
    expect(first.logs.find((l) => l.event === "siem.stopped")?.queued_records).toBe(20);

    const hec = startFakeHttpSink(port);
    cleanups.push(() => hec.close());
    const second = start({ sinks }, dir);
    expect(second.logs.find((l) => l.event === "siem.queue_replay")?.records).toBe(20);
    expect(await waitFor(() => hecIds(hec).length === 20)).toBe(true);
    expect(hecIds(hec)).toEqual(records(0, 20).map((r) => r.id));
    await second.forwarder.stop(100);
  });

  test("overflow counts and logs drops", async () => {
    const down = startFakeHttpSink();
    const port = down.port;
    await down.close();
    const { forwarder, registry, logs } = start({
      sinks: [hecSink(`http://127.0.0.1:${port}`, { queueMaxBytes: 1024 })],
    }, dataDir());
    forwarder.forward(records(0, 30));

    const queued = await metric(registry, "nexus_siem_queue_records", 'sink="hec"');
    const dropped = await metric(registry, "nexus_siem_records_dropped_total",
      'sink="hec",reason="queue_full"');
    expect(queued).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThan(0);
    expect(queued + dropped).toBe(30);
    const full = logs.find((l) => l.event === "siem.queue_full")!;
    expect(full.dropped).toBe(dropped);

    const hec = startFakeHttpSink(port);
    cleanups.push(() => hec.close());
    expect(await waitFor(() => hecIds(hec).length === queued)).toBe(true);
    expect(hecIds(hec)).toEqual(records(0, queued).map((r) => r.id));
    forwarder.forward(records(100, 1));
    expect(logs.find((l) => l.event === "siem.queue_full_ended")?.dropped).toBe(dropped);
    await forwarder.stop(200);
  });

  test("syslog TCP outage then recovery", async () => {
    const down = await startStreamReceiver();
    const port = down.port;
    await down.close();
    const { forwarder } = start({ sinks: [{
      name: "soc", type: "syslog", transport: "tcp", host: "127.0.0.1", port,
      batchMaxRecords: 4, batchMaxWaitMs: 10, retryInitialMs: 10, retryMaxMs: 40,
    }] }, dataDir());
    forwarder.forward(records(0, 15));
    await Bun.sleep(80);

    const receiver = await startStreamReceiver(undefined, port);
    cleanups.push(() => receiver.close());
    expect(await waitFor(() => receiver.messages.length >= 15)).toBe(true);
    const ids = receiver.messages.map((text) =>
      parseCef(parseSyslog(text).message).extensions.get("externalId"));
    expect(ids).toEqual(records(0, 15).map((r) => r.id));
    await forwarder.stop(100);
  });

  test("kinds filter leaves other kinds out", async () => {
    const hec = startFakeHttpSink();
    cleanups.push(() => hec.close());
    const { forwarder } = start({ sinks: [hecSink(hec.url)], kinds: ["control_change"] },
      dataDir());
    forwarder.forward([...records(0, 2), ...records(10, 1, "control_change")]);
    await forwarder.stop(500);
    expect(hecIds(hec)).toEqual(["r10"]);
  });

  test("one sink down does not hold back another", async () => {
    const down = startFakeHttpSink();
    await down.close();
    const hec = startFakeHttpSink();
    cleanups.push(() => hec.close());
    const { forwarder } = start({ sinks: [
      hecSink(down.url, { name: "down" }),
      hecSink(hec.url, { name: "up" }),
    ] }, dataDir());
    forwarder.forward(records(0, 3));
    expect(await waitFor(() => hecIds(hec).length === 3)).toBe(true);
    await forwarder.stop(50);
  });
});

describe("SIEM config errors", () => {
  const cases: Array<[string, SiemConfig, string]> = [
    ["missing token env", { sinks: [{ name: "a", type: "splunk_hec", url: "http://127.0.0.1:1",
      tokenEnv: "NOT_SET_ANYWHERE" }] }, "/siem/sinks/0/tokenEnv"],
    ["duplicate name", { sinks: [
      { name: "a", type: "webhook", url: "http://127.0.0.1:1" },
      { name: "a", type: "webhook", url: "http://127.0.0.1:2" },
    ] }, "/siem/sinks/1/name"],
    ["bad URL", { sinks: [{ name: "a", type: "webhook", url: "ftp://127.0.0.1/x" }] },
      "/siem/sinks/0/url"],
    ["unreadable CA file", { sinks: [{ name: "a", type: "syslog", transport: "tls",
      host: "127.0.0.1", port: 1, caFile: "/nonexistent/ca.pem" }] }, "/siem/sinks/0/caFile"],
  ];
  for (const [name, config, field] of cases) {
    test(name, () => {
      const build = () => buildSiemForwarder({
        config, dataDir: dataDir(), logger: createLogger(() => undefined),
        registry: new Registry(), env: {},
      });
      expect(build).toThrow(ConfigError);
      expect(build).toThrow(field);
    });
  }
});
