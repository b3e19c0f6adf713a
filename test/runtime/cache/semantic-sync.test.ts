import { afterAll, afterEach, describe, expect, test } from "bun:test";
import type { ChangeSignals } from "../../../runtime/bus/change-signals.ts";
import { NatsChangeSignals } from "../../../runtime/bus/nats-change-signals.ts";
import type { SemanticEntry } from "../../../runtime/cache/semantic-entry-store.ts";
import { ValkeySemanticEntryStore } from "../../../runtime/cache/semantic-entry-valkey.ts";
import { SemanticIndex } from "../../../runtime/cache/semantic-index.ts";
import { SemanticEntrySync } from "../../../runtime/cache/semantic-sync.ts";
import { openNatsForTest, waitFor } from "../../support/nats.ts";
import { openValkeyForTest } from "../../support/valkey.ts";
import { recordingLogger } from "../bus/support.ts";

const TTL_MS = 60_000;
const ACME = "org:acme\njson\nshape";
const BETA = "org:beta\njson\nshape";
/** Long enough that a test passing with it got its change from the signal, not the timer. */
const NO_POLL_MS = 600_000;

const valkey = await openValkeyForTest();
const nats = await openNatsForTest();
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await valkey?.close();
  await nats?.close();
});

/** One gateway node's part: its entry store, sync and index, sharing Valkey and NATS. */
interface Node {
  entries: ValkeySemanticEntryStore;
  store: ReturnType<SemanticEntrySync["announcing"]>;
  sync: SemanticEntrySync;
  index: SemanticIndex;
  lines: Record<string, unknown>[];
  reloads: number;
}

async function startNode(prefix: string, options: {
  signals?: ChangeSignals;
  pollMs?: number;
  changeLogMax?: number;
} = {}): Promise<Node> {
  const { logger, lines } = recordingLogger();
  const nc = await nats!.connect();
  const signals = options.signals ??
    new NatsChangeSignals(nc, nats!.names.changeSubjectPrefix, logger);
  cleanups.push(() => signals.close());
  const entries = new ValkeySemanticEntryStore(await valkey!.connect(), prefix,
    { changeLogMax: options.changeLogMax });
  const sync = new SemanticEntrySync(entries, entries, {
    origin: entries.origin, signals, logger, pollMs: options.pollMs ?? NO_POLL_MS,
  });
  cleanups.push(() => sync.close());
  // The server has the sync's subscription once this round trip is done, as on a running node.
  await nc.flush();
  const index = new SemanticIndex({ maxEntries: 100, ttlMs: TTL_MS });
  const node: Node = { entries, store: sync.announcing(entries), sync, index, lines, reloads: 0 };
  sync.attach({
    index,
    reload: async () => {
      node.reloads += 1;
      for (const entry of await entries.loadLive(Date.now(), 100)) {
        index.add(entry.partition, entry.id, entry.vector, entry.storedAt);
      }
    },
  });
  await sync.started;
  return node;
}

function entry(id: string, overrides: Partial<SemanticEntry> = {}): SemanticEntry {
  const now = Date.now();
  return {
    id,
    scope: "org:acme",
    partition: ACME,
    promptFingerprint: `fingerprint-${id}`,
    vector: Float32Array.from([1, 0, 0, 0]),
    answer: "{}",
    storedAt: now,
    expiresAt: now + TTL_MS,
    ...overrides,
  };
}

/** Signals that lose every notify, as when NATS drops them; watches never fire. */
function lostSignals(): ChangeSignals {
  return {
    notify: async () => undefined,
    watch: () => () => undefined,
    close: async () => undefined,
  };
}

const available = valkey !== null && nats !== null;

describe.skipIf(!available)("semantic entry sync", () => {
  test("running node finds entry stored elsewhere", async () => {
    const prefix = `${valkey!.prefix}${crypto.randomUUID()}:`;
    const a = await startNode(prefix);
    const b = await startNode(prefix);

    a.index.add(ACME, "chat:one", Float32Array.from([1, 0, 0, 0]));
    await a.store.put(entry("chat:one"));

    expect(await waitFor(() => b.index.has("chat:one"), 5_000)).toBe(true);
    const query = Float32Array.from([0.99, 0.1, 0, 0]);
    expect(b.index.search(ACME, query, 0.9)?.id).toBe("chat:one");
    expect(b.index.search(BETA, query, 0.9)).toBeNull();
  });

  test("delete elsewhere leaves the index", async () => {
    const prefix = `${valkey!.prefix}${crypto.randomUUID()}:`;
    const a = await startNode(prefix);
    const b = await startNode(prefix);
    await a.store.put(entry("chat:one"));
    expect(await waitFor(() => b.index.has("chat:one"), 5_000)).toBe(true);

    expect(await a.store.deleteByPrompt("org:acme", new Set(["fingerprint-chat:one"])))
      .toEqual(["chat:one"]);
    expect(await waitFor(() => !b.index.has("chat:one"), 5_000)).toBe(true);
  });

  test("lost signal is caught up by timer", async () => {
    const prefix = `${valkey!.prefix}${crypto.randomUUID()}:`;
    const a = await startNode(prefix, { signals: lostSignals() });
    const b = await startNode(prefix, { signals: lostSignals(), pollMs: 100 });
    await a.store.put(entry("chat:late"));
    expect(await waitFor(() => b.index.has("chat:late"), 5_000)).toBe(true);
  });

  test("own changes are not applied again", async () => {
    const prefix = `${valkey!.prefix}${crypto.randomUUID()}:`;
    const a = await startNode(prefix);
    await a.store.put(entry("chat:own"));
    await a.sync.catchUp();
    // Node a's gateway adds its own entries to its index when it stores them, not the sync.
    expect(a.index.has("chat:own")).toBe(false);
  });

  test("other scope's partition is refused", async () => {
    const prefix = `${valkey!.prefix}${crypto.randomUUID()}:`;
    const a = await startNode(prefix);
    const b = await startNode(prefix);
    await a.store.put(entry("chat:forged", { scope: "org:beta", partition: ACME }));
    await a.store.put(entry("chat:fair"));
    expect(await waitFor(() => b.index.has("chat:fair"), 5_000)).toBe(true);

    expect(b.index.has("chat:forged")).toBe(false);
    expect(b.lines.some((line) => line.event === "cache.semantic_entry_scope_mismatch"))
      .toBe(true);
  });

  test("trimmed log reloads every entry", async () => {
    const prefix = `${valkey!.prefix}${crypto.randomUUID()}:`;
    const b = await startNode(prefix, { signals: lostSignals() });
    const a = await startNode(prefix, { signals: lostSignals() });
    await a.store.put(entry("chat:first"));
    await b.sync.catchUp();
    expect(b.index.has("chat:first")).toBe(true);

    // Exact trimming, so the record that b's position names is surely gone.
    const client = await valkey!.connect();
    for (const id of ["chat:second", "chat:third"]) await a.store.put(entry(id));
    await client.xtrim(`${prefix}changes`, "MAXLEN", 1);
    await b.sync.catchUp();

    expect(b.reloads).toBe(1);
    expect(b.index.has("chat:second")).toBe(true);
    expect(b.index.has("chat:third")).toBe(true);
  });
});
