import { describe, expect, test } from "bun:test";
import type { Sql } from "postgres";
import { waitFor } from "../support/nats.ts";
import { expectStoredOnce, useCrashCluster } from "./support.ts";
import { type ChatOutcome, sendChat } from "./traffic.ts";

/** Streams held open on the gateway that is killed. */
const OPEN_STREAMS = 5;
/** Closed-loop workers on every gateway around the kill. */
const WORKERS = 4;
const ACK_WAIT_MS = 2000;

const crashCluster = useCrashCluster(ACK_WAIT_MS);

/** Makes the next `count` upstream responses send two events, then stall until the client goes. */
async function holdNextStreams(simulatorUrl: string, count: number): Promise<void> {
  const response = await fetch(`${simulatorUrl}/__sim/enqueue`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ match: { provider: "openai" }, times: count, hangAfterEvents: 2 }),
  });
  expect(response.status).toBe(200);
}

interface OpenStream {
  done: Promise<ChatOutcome>;
}

/** Opens a stream and resolves once its first chunk arrived. */
async function openStream(url: string, key: string): Promise<OpenStream> {
  let firstChunk!: () => void;
  const started = new Promise<void>((resolve) => {
    firstChunk = resolve;
  });
  const done = sendChat({ url, key, stream: true, onChunk: () => firstChunk(),
    timeoutMs: 20_000 });
  await Promise.race([started, done]);
  return { done };
}

describe("gateway killed mid-stream", () => {
  test("survivors serve, completed requests keep events", async () => {
    const cluster = crashCluster();
    if (cluster === null) return;
    const { gateways } = cluster;
    const [victim, ...survivors] = gateways as [typeof gateways[0], ...typeof gateways];
    const sql = (cluster.postgres as { sql: Sql }).sql;
    const { secret } = await cluster.createKey();

    await holdNextStreams(cluster.simulator.url, OPEN_STREAMS);
    const streams = await Promise.all(Array.from({ length: OPEN_STREAMS },
      () => openStream(victim.url, secret)));

    // Closed-loop traffic on every node, the victim included, until `loading` turns false.
    let loading = true;
    const outcomes: { node: string; outcome: ChatOutcome; after: boolean }[] = [];
    let killed = false;
    const loop = async (node: typeof victim) => {
      while (loading) {
        const outcome = await sendChat({ url: node.url, key: secret, timeoutMs: 5000 });
        outcomes.push({ node: node.name, outcome, after: killed });
        if (node === victim && killed) return;
      }
    };
    const load = Promise.all(gateways.flatMap((node) =>
      Array.from({ length: WORKERS }, () => loop(node))));

    await Bun.sleep(500);
    await victim.kill();
    killed = true;
    expect(victim.process.signalCode).toBe("SIGKILL");
    await Bun.sleep(700);
    loading = false;
    await load;

    // The open streams were cut, so none of them counts as completed.
    const cut = await Promise.all(streams.map((stream) => stream.done));
    for (const outcome of cut) expect(outcome.complete).toBe(false);

    // The survivors kept serving after the kill.
    for (const node of survivors) {
      const after = outcomes.filter((entry) => entry.node === node.name && entry.after);
      expect(after.length).toBeGreaterThan(0);
      for (const { outcome } of after) expect(outcome.complete).toBe(true);
    }

    const completed = outcomes.filter(({ outcome }) => outcome.complete)
      .map(({ outcome }) => outcome.requestId as string);
    expect(completed.length).toBeGreaterThan(0);
    expect(outcomes.some(({ node, outcome }) => node === victim.name && outcome.complete))
      .toBe(true);

    await expectStoredOnce(cluster, completed);

    const cutIds = cut.map((outcome) => outcome.requestId).filter((id) => id !== null);
    expect(cutIds.length).toBe(OPEN_STREAMS);
    await expectLostEvents(sql, cutIds);
  }, 50_000);
});

describe("gateway killed right after streams began", () => {
  test("every seen stream leaves an event", async () => {
    const cluster = crashCluster();
    if (cluster === null) return;
    // The first test killed gateways[0]; this one kills another node.
    const victim = cluster.gateways[1]!;
    const sql = (cluster.postgres as { sql: Sql }).sql;
    const { secret } = await cluster.createKey();

    // Killed within the start-record batch window (50 ms) of admission: only a start that was
    // published before the stream's first bytes can leave a record of these requests.
    await holdNextStreams(cluster.simulator.url, OPEN_STREAMS);
    const streams = await Promise.all(Array.from({ length: OPEN_STREAMS },
      () => openStream(victim.url, secret)));
    await victim.kill();
    expect(victim.process.signalCode).toBe("SIGKILL");

    const cut = await Promise.all(streams.map((stream) => stream.done));
    for (const outcome of cut) expect(outcome.complete).toBe(false);
    const cutIds = cut.map((outcome) => outcome.requestId).filter((id) => id !== null);
    expect(cutIds.length).toBe(OPEN_STREAMS);
    await expectLostEvents(sql, cutIds);
  }, 50_000);
});

/** Expects exactly one `gateway_lost` event per cut request, written from its start record. */
async function expectLostEvents(sql: Sql, ids: string[]): Promise<void> {
  const rows = async () => await sql<{ request_id: string; error_code: string | null }[]>`
    SELECT request_id, error_code FROM traffic_events WHERE request_id IN ${sql(ids)}`;
  const complete = await waitFor(async () => (await rows()).length >= ids.length, 20_000);
  const found = await rows();
  expect(complete, `cut requests with an event: ${found.length} of ${ids.length}`).toBe(true);
  expect(found.length).toBe(ids.length);
  for (const row of found) expect(row.error_code).toBe("gateway_lost");
}
