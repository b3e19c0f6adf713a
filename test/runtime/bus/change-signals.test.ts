import { afterEach, describe, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChangeSignals } from "../../../runtime/bus/change-signals.ts";
import { EmbeddedChangeSignals } from "../../../runtime/bus/embedded-change-signals.ts";
import { NatsChangeSignals } from "../../../runtime/bus/nats-change-signals.ts";
import { openEmbeddedDatabase } from "../../../runtime/storage/embedded/open-database.ts";
import { type NatsTestContext, openNatsForTest, waitFor } from "../../support/nats.ts";
import { recordingLogger } from "./support.ts";

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track(signals: ChangeSignals): ChangeSignals {
  cleanups.push(() => signals.close());
  return signals;
}

describe("NATS change signals", () => {
  async function twoNodes(): Promise<[ChangeSignals, ChangeSignals] | null> {
    const bus: NatsTestContext | null = await openNatsForTest();
    if (bus === null) return null;
    cleanups.push(() => bus.close());
    const { logger } = recordingLogger();
    const prefix = bus.names.changeSubjectPrefix;
    return [
      track(new NatsChangeSignals(bus.nc, prefix, logger)),
      track(new NatsChangeSignals(await bus.connect(), prefix, logger)),
    ];
  }

  test("reach a second connection within a second", async () => {
    const nodes = await twoNodes();
    if (nodes === null) return;
    const [first, second] = nodes;
    let seenAt = 0;
    second.watch("keys", () => {
      seenAt = Date.now();
    });
    // The subscription must reach the server before the signal, as on a running node.
    await Bun.sleep(100);
    const sentAt = Date.now();
    await first.notify("keys");

    expect(await waitFor(() => seenAt > 0, 1000)).toBe(true);
    expect(seenAt - sentAt).toBeLessThan(1000);
  });

  test("fire only the notified topic", async () => {
    const nodes = await twoNodes();
    if (nodes === null) return;
    const [first, second] = nodes;
    const seen: string[] = [];
    second.watch("keys", () => seen.push("keys"));
    second.watch("controls", () => seen.push("controls"));
    await Bun.sleep(100);
    await first.notify("controls");

    expect(await waitFor(() => seen.length > 0, 1000)).toBe(true);
    await Bun.sleep(100);
    expect(seen).toEqual(["controls"]);
  });

  test("reach the notifying node too", async () => {
    const nodes = await twoNodes();
    if (nodes === null) return;
    const [first] = nodes;
    let seen = 0;
    first.watch("config", () => {
      seen += 1;
    });
    await Bun.sleep(100);
    await first.notify("config");

    expect(await waitFor(() => seen === 1, 1000)).toBe(true);
  });

  test("stop after unwatch", async () => {
    const nodes = await twoNodes();
    if (nodes === null) return;
    const [first, second] = nodes;
    let seen = 0;
    const stop = second.watch("cache-poison", () => {
      seen += 1;
    });
    await Bun.sleep(100);
    await first.notify("cache-poison");
    expect(await waitFor(() => seen === 1, 1000)).toBe(true);
    stop();
    await Bun.sleep(100);
    await first.notify("cache-poison");
    await Bun.sleep(200);

    expect(seen).toBe(1);
  });
});

describe("embedded change signals", () => {
  function openTwoConnections(): [Database, Database] {
    const dataDir = mkdtempSync(join(tmpdir(), "nexus-signals-"));
    const first = openEmbeddedDatabase(dataDir);
    const second = openEmbeddedDatabase(dataDir);
    cleanups.push(() => {
      first.close();
      second.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    return [first, second];
  }

  test("fire every topic on another connection's commit", async () => {
    const [db, other] = openTwoConnections();
    const { logger } = recordingLogger();
    const signals = track(new EmbeddedChangeSignals(db, logger, { pollMs: 20 }));
    const seen = new Set<string>();
    signals.watch("keys", () => seen.add("keys"));
    signals.watch("controls", () => seen.add("controls"));
    await Bun.sleep(50);
    expect(seen.size).toBe(0);
    other.exec("CREATE TABLE signal_probe (id INTEGER)");

    expect(await waitFor(() => seen.size === 2, 1000)).toBe(true);
  });

  test("notify fires only its topic in process", async () => {
    const [db] = openTwoConnections();
    const { logger } = recordingLogger();
    const signals = track(new EmbeddedChangeSignals(db, logger, { pollMs: 20 }));
    const seen: string[] = [];
    signals.watch("keys", () => seen.push("keys"));
    signals.watch("controls", () => seen.push("controls"));
    await signals.notify("keys");
    await Bun.sleep(60);

    expect(seen).toEqual(["keys"]);
  });

  test("one watcher's throw spares the others", async () => {
    const [db] = openTwoConnections();
    const { logger, lines } = recordingLogger();
    const signals = track(new EmbeddedChangeSignals(db, logger));
    let reached = false;
    signals.watch("config", () => {
      throw new Error("reload failed");
    });
    signals.watch("config", () => {
      reached = true;
    });
    await signals.notify("config");

    expect(reached).toBe(true);
    expect(lines.some((line) => line.event === "bus.change_watcher_failed")).toBe(true);
  });
});

describe("NATS change signals after a reconnect", () => {
  test("fire every watched topic once", async () => {
    const bus = await openNatsForTest();
    if (bus === null) return;
    cleanups.push(() => bus.close());
    const { logger } = recordingLogger();
    const nc = await bus.connect();
    const signals = track(new NatsChangeSignals(nc, bus.names.changeSubjectPrefix, logger));
    const seen: string[] = [];
    signals.watch("keys", () => seen.push("keys"));
    signals.watch("controls", () => seen.push("controls"));
    // A signal sent while a node is disconnected is lost, so the node reloads on reconnect.
    await nc.reconnect();

    expect(await waitFor(() => seen.length === 2, 5000)).toBe(true);
    expect(seen.toSorted()).toEqual(["controls", "keys"]);
  });
});
