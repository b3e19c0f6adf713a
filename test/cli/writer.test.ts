import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openBusEventPublisher } from "../../runtime/bus/bus-event-publisher.ts";
import { createGatewayMetrics } from "../../runtime/observability/metrics.ts";
import { REPO_ROOT } from "../support/fixtures.ts";
import { type NatsTestContext, openNatsForTest, TEST_NATS_URL, waitFor } from "../support/nats.ts";
import {
  busEvent,
  openTempEventStore,
  recordingLogger,
  type TempEventStore,
} from "../runtime/bus/support.ts";

const NEXUS = join(REPO_ROOT, "bin", "nexus.ts");

let bus: NatsTestContext | null = null;
let temp: TempEventStore | null = null;
let child: Bun.Subprocess | null = null;

afterEach(async () => {
  if (child !== null && child.exitCode === null && child.signalCode === null) {
    process.kill(child.pid, "SIGKILL");
  }
  child = null;
  await bus?.close();
  bus = null;
  temp?.close();
  temp = null;
});

function writeConfig(dataDir: string): string {
  const path = join(dataDir, "writer.config.yaml");
  writeFileSync(path, `dataDir: ${dataDir}\nproviders: {}\nmodels: {}\n`);
  return path;
}

describe("nexus writer", () => {
  test("stores bus events until SIGTERM", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    temp = openTempEventStore();
    const prefix = bus.names.eventSubjectPrefix.split(".")[0] as string;
    const writer = Bun.spawn([process.execPath, NEXUS, "writer", "--config",
      writeConfig(temp.dataDir), "--nats", TEST_NATS_URL, "--bus-prefix", prefix], {
      stdout: "pipe",
      stderr: "pipe",
    });
    child = writer;
    const { logger } = recordingLogger();
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger,
      createGatewayMetrics());
    for (let i = 0; i < 20; i += 1) publisher.write(busEvent());
    await publisher.close();

    expect(await waitFor(() => (temp as TempEventStore).count() === 20)).toBe(true);
    process.kill(writer.pid, "SIGTERM");
    expect(await writer.exited).toBe(0);
    const stdout = await new Response(writer.stdout).text();
    expect(stdout).toContain('"event":"writer.started"');
    expect(stdout).toContain('"event":"writer.stopping"');
  });

  test("names NATS when it is unreachable", async () => {
    temp = openTempEventStore();
    const url = "nats://127.0.0.1:1";
    const writer = Bun.spawn([process.execPath, NEXUS, "writer", "--config",
      writeConfig(temp.dataDir), "--nats", url], { stdout: "pipe", stderr: "pipe" });
    child = writer;

    expect(await writer.exited).toBe(1);
    const stderr = await new Response(writer.stderr).text();
    expect(stderr).toContain(`cannot connect to NATS at ${url}`);
  });
});
