import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { type BusNames, busNames } from "../../runtime/bus/bus-names.ts";
import { openNats } from "../../runtime/bus/open-nats.ts";

/** The NATS server with JetStream that bus tests use, always on this machine. */
export const TEST_NATS_URL = process.env.NEXUS_TEST_NATS_URL ?? "nats://127.0.0.1:4222";

/** A test's connections and the random bus prefix that all of its streams and subjects use. */
export interface NatsTestContext {
  names: BusNames;
  nc: NatsConnection;
  jsm: JetStreamManager;
  /** Opens another connection, as a second node would. `close` ends it too. */
  connect(): Promise<NatsConnection>;
  /** Deletes the streams under the prefix (their consumers with them) and closes everything. */
  close(): Promise<void>;
}

/**
 * Connects to the test server with a fresh bus prefix. Returns null when the server is down,
 * so a developer without one skips these tests. Under CI a missing server is a failure.
 */
export async function openNatsForTest(): Promise<NatsTestContext | null> {
  let nc: NatsConnection;
  try {
    nc = await openNats(TEST_NATS_URL, { timeoutMs: 2000 });
  } catch (error) {
    if (process.env.CI === "true") throw error;
    return null;
  }

  const names = busNames(`nexus_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`);
  const jsm = await jetstreamManager(nc);
  const connections = [nc];
  return {
    names,
    nc,
    jsm,
    async connect() {
      const extra = await openNats(TEST_NATS_URL);
      connections.push(extra);
      return extra;
    },
    async close() {
      for (const stream of [names.eventStream, names.deadLetterStream]) {
        await jsm.streams.delete(stream).catch(() => false);
      }
      for (const connection of connections) await connection.close();
    },
  };
}

/** Polls `check` every 20 ms until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await Bun.sleep(20);
  }
  return await check();
}
