import { afterEach, describe, expect, test } from "bun:test";
import type { Sql } from "postgres";
import type { EventStore, TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import { jetstream } from "@nats-io/jetstream";
import { openBusEventPublisher } from "../../../runtime/bus/bus-event-publisher.ts";
import { startBatchSubject } from "../../../runtime/bus/bus-names.ts";
import { startBusEventWriter } from "../../../runtime/bus/bus-event-writer.ts";
import type { RunningConsumer } from "../../../runtime/bus/batch-consumer.ts";
import { ensureEventStreams } from "../../../runtime/bus/event-streams.ts";
import { startNodeHeartbeat } from "../../../runtime/bus/node-heartbeat.ts";
import { startOpenRequestTracker } from "../../../runtime/bus/open-request-tracker.ts";
import type { OpenRequestStore } from "../../../runtime/bus/open-requests.ts";
import type { RequestStart } from "../../../runtime/bus/request-start.ts";
import { SqliteOpenRequests } from "../../../runtime/bus/sqlite-open-requests.ts";
import { createGatewayMetrics } from "../../../runtime/observability/metrics.ts";
import { PgEventStore } from "../../../runtime/storage/postgres/pg-event-store.ts";
import { PgOpenRequests } from "../../../runtime/storage/postgres/pg-open-requests.ts";
import {
  type NatsTestContext,
  openNatsForTest,
  TEST_NATS_URL,
  waitFor,
} from "../../support/nats.ts";
import {
  openPostgresForTest,
  type PostgresTestContext,
  TEST_POSTGRES_URL,
} from "../../support/postgres.ts";
import {
  busEvent,
  openTempEventStore,
  recordingLogger,
  type TempEventStore,
} from "./support.ts";

let bus: NatsTestContext | null = null;
let pg: PostgresTestContext | null = null;
let temp: TempEventStore | null = null;
const running: RunningConsumer[] = [];
let child: Bun.Subprocess | null = null;

afterEach(async () => {
  if (child !== null && child.exitCode === null && child.signalCode === null) {
    process.kill(child.pid, "SIGKILL");
  }
  child = null;
  for (const consumer of running.splice(0)) await consumer.stop();
  await bus?.close();
  bus = null;
  await pg?.close();
  pg = null;
  temp?.close();
  temp = null;
});

/** Opens NATS with a fresh prefix and a short ack wait; null when it is down outside CI. */
async function openBus(): Promise<NatsTestContext | null> {
  bus = await openNatsForTest();
  if (bus === null) return null;
  // A short ack wait, so a killed writer's batch is redelivered within the test.
  await ensureEventStreams(bus.jsm, bus.names, {}, { ackWaitMs: 1500 });
  return bus;
}

/** Opens NATS and PostgreSQL with fresh names; null when either is down outside CI. */
async function openBoth(): Promise<{ bus: NatsTestContext; pg: PostgresTestContext } | null> {
  const context = await openBus();
  pg = await openPostgresForTest();
  if (context === null || pg === null) return null;
  return { bus: context, pg };
}

/** The event store a writer fills, with what the tests read back from it. */
interface Target {
  events: EventStore;
  open: OpenRequestStore;
  rows(): Promise<Map<string, StoredRow[]>>;
  openCount(): Promise<number>;
}

function pgTarget(sql: Sql): Target {
  return {
    events: new PgEventStore(sql),
    open: new PgOpenRequests(sql),
    rows: () => storedRows(sql),
    openCount: () => openCount(sql),
  };
}

function sqliteTarget(store: TempEventStore): Target {
  return {
    events: store.store,
    open: new SqliteOpenRequests(store.db),
    async rows() {
      const found = store.db.query<StoredRow & { detail: string }, []>(
        "SELECT request_id, status, error_code, detail FROM traffic_events").all();
      return groupById(found.map((row) => ({ ...row, detail: JSON.parse(row.detail) })));
    },
    async openCount() {
      return store.db.query<{ n: number }, []>("SELECT count(*) AS n FROM open_requests")
        .get()?.n ?? -1;
    },
  };
}

/** Starts a writer and a tracker on the test's bus and schema, as a writer process would. */
async function startWriting(context: NatsTestContext, sql: Sql): Promise<void> {
  await startWritingTo(context, pgTarget(sql));
}

async function startWritingTo(context: NatsTestContext, target: Target): Promise<void> {
  const { logger } = recordingLogger();
  const { events, open } = target;
  running.push(await startBusEventWriter(context.nc, context.names, events, logger,
    { openRequests: open }));
  running.push(await startOpenRequestTracker(context.nc, context.names, events, open, logger,
    { deadAfterMs: 1000, sweepEveryMs: 100 }));
}

interface StoredRow {
  request_id: string;
  status: number;
  error_code: string | null;
  detail: Record<string, unknown>;
}

async function storedRows(sql: Sql): Promise<Map<string, StoredRow[]>> {
  const rows = await sql<StoredRow[]>`
    SELECT request_id, status, error_code, detail FROM traffic_events`;
  return groupById(rows);
}

function groupById(rows: readonly StoredRow[]): Map<string, StoredRow[]> {
  const byId = new Map<string, StoredRow[]>();
  for (const row of rows) byId.set(row.request_id, [...byId.get(row.request_id) ?? [], row]);
  return byId;
}

async function openCount(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM open_requests`;
  return row?.n ?? -1;
}

function startOf(event: TrafficEvent, nodeId: string): RequestStart {
  return {
    requestId: event.requestId, clientRequestId: null, time: event.time, nodeId,
    keyId: event.keyId, org: event.org, project: null, route: event.route,
    model: event.model, stream: event.stream,
  };
}

/**
 * Registers `run` once for each event store, on a fresh bus and store; skips where a service
 * is down outside CI.
 */
function testEachBackend(
  name: string,
  run: (context: NatsTestContext, target: Target) => Promise<void>,
  timeoutMs: number,
): void {
  for (const backend of ["postgres", "sqlite"] as const) {
    test(`${name}, ${backend} store`, async () => {
      const context = await openBus();
      if (context === null) return;
      let target: Target;
      if (backend === "sqlite") {
        temp = openTempEventStore();
        target = sqliteTarget(temp);
      } else {
        pg = await openPostgresForTest();
        if (pg === null) return;
        target = pgTarget(pg.sql);
      }
      await run(context, target);
    }, timeoutMs);
  }
}

describe("requests cut by a lost gateway", () => {
  testEachBackend("gateway killed mid-request", killGatewayMidRequest, 40_000);

  test("late final replaces its lost event", async () => {
    const both = await openBoth();
    if (both === null) return;
    await startWriting(both.bus, both.pg.sql);
    const { logger } = recordingLogger();
    const publisher = await openBusEventPublisher(both.bus.nc, both.bus.names, logger,
      createGatewayMetrics());
    // A node that never beats: the tracker calls it gone once it has listened for 1 s.
    const late = busEvent();
    publisher.started(startOf(late, "node-silent"));
    await publisher.settled(late.requestId);
    const sql = both.pg.sql;
    expect(await waitFor(async () => (await storedRows(sql)).has(late.requestId))).toBe(true);
    expect((await storedRows(sql)).get(late.requestId)?.[0]?.error_code).toBe("gateway_lost");

    // The final shows up (its node was only cut off) and a start arrives after its final.
    publisher.write(late);
    const early = busEvent();
    publisher.write(early);
    await publisher.settled(early.requestId);
    expect(await waitFor(async () => (await storedRows(sql)).has(early.requestId))).toBe(true);
    publisher.started(startOf(early, "node-silent"));
    await publisher.close();
    expect(await waitFor(async () => {
      const info = await both.bus.jsm.consumers.info(both.bus.names.eventStream,
        both.bus.names.writerConsumer);
      const starts = await both.bus.jsm.consumers.info(both.bus.names.eventStream,
        both.bus.names.startConsumer);
      return info.num_pending + info.num_ack_pending + starts.num_pending +
        starts.num_ack_pending === 0;
    })).toBe(true);
    await Bun.sleep(300);

    const rows = await storedRows(sql);
    // The real final replaces the lost event, in the one row of its request id.
    expect(rows.get(late.requestId)).toHaveLength(1);
    expect(rows.get(late.requestId)?.[0]?.error_code).toBeNull();
    expect(rows.get(late.requestId)?.[0]?.status).toBe(200);
    // The start that came after its final neither opened an entry nor made a lost event.
    expect(rows.get(early.requestId)).toHaveLength(1);
    expect(rows.get(early.requestId)?.[0]?.status).toBe(200);
    expect(await openCount(sql)).toBe(0);
  }, 30_000);

  testEachBackend("late start stays closed", lateStartStaysClosed, 30_000);

  test("unflushed starts leave no event", async () => {
    const both = await openBoth();
    if (both === null) return;
    await startWriting(both.bus, both.pg.sql);
    const target = pgTarget(both.pg.sql);
    // A window of ten minutes: the starts of `unflushed` requests are still waiting at the kill.
    const idsOf = await runAndKillChild(both.bus, newNodeId(),
      ["10", "10", "0", "10", "600000"]);
    const done = idsOf("done");
    const open = idsOf("open");
    const unflushed = idsOf("unflushed");
    expect(unflushed).toHaveLength(10);
    await expectStored(target, [...done, ...open]);

    // Flushed starts became lost events; the unflushed ones never left the dead process.
    const rows = await target.rows();
    for (const id of done) expect(rows.get(id)?.[0]?.status).toBe(200);
    for (const id of open) expect(rows.get(id)?.[0]?.error_code).toBe("gateway_lost");
    for (const id of unflushed) expect(rows.has(id)).toBe(false);
    expect(rows.size).toBe(20);
  }, 40_000);

  test("malformed start batch is dead-lettered", async () => {
    const context = await openBus();
    if (context === null) return;
    temp = openTempEventStore();
    const target = sqliteTarget(temp);
    const { logger, lines } = recordingLogger();
    running.push(await startOpenRequestTracker(context.nc, context.names, target.events,
      target.open, logger, { deadAfterMs: 1000, sweepEveryMs: 100, deadLetterAfter: 2,
        retryDelayMs: () => 50 }));
    const good = startOf(busEvent(), "node-silent");
    const bad = JSON.stringify({ batch: "node-x:starts:t-1",
      starts: [{ ...good, requestId: `req_${crypto.randomUUID()}` }, { requestId: "req_x" }] });
    const js = jetstream(context.nc);
    await js.publish(startBatchSubject(context.names, "node-x"), bad,
      { msgID: "node-x:starts:t-1" });
    const publisher = await openBusEventPublisher(context.nc, context.names, logger,
      createGatewayMetrics());
    publisher.started(good);
    await publisher.close();

    const deadLetter = async () =>
      (await context.jsm.streams.info(context.names.deadLetterStream)).state.messages;
    expect(await waitFor(async () => await deadLetter() === 1)).toBe(true);
    const copy = await context.jsm.streams.getMessage(context.names.deadLetterStream,
      { seq: 1 });
    expect(new TextDecoder().decode(copy?.data)).toBe(bad);
    expect(copy?.header.get("Nexus-Error")).toContain("field \"time\"");
    // The good batch is stored; no start of the malformed one is, not even its valid one.
    expect(await waitFor(async () => (await target.rows()).has(good.requestId))).toBe(true);
    expect((await target.rows()).size).toBe(1);
    expect(lines.some((line) => line.event === "bus.message_dead_lettered")).toBe(true);
  }, 30_000);

  test("live node keeps its requests open", async () => {
    const both = await openBoth();
    if (both === null) return;
    await startWriting(both.bus, both.pg.sql);
    const { logger } = recordingLogger();
    const beat = startNodeHeartbeat(both.bus.nc, both.bus.names, "node-alive", logger, 100);
    try {
      const publisher = await openBusEventPublisher(both.bus.nc, both.bus.names, logger,
        createGatewayMetrics());
      const event = busEvent();
      publisher.started(startOf(event, "node-alive"));
      await publisher.close();
      const sql = both.pg.sql;
      expect(await waitFor(async () => await openCount(sql) === 1)).toBe(true);
      // Three times the dead-after time: a beating node's request is never called lost.
      await Bun.sleep(3000);
      expect((await storedRows(sql)).size).toBe(0);
      expect(await openCount(sql)).toBe(1);
    } finally {
      beat.stop();
    }
  }, 30_000);

  test("writer killed mid-batch, postgres store", async () => {
    const both = await openBoth();
    if (both === null) return;
    const { logger } = recordingLogger();
    const beat = startNodeHeartbeat(both.bus.nc, both.bus.names, "node-busy", logger, 100);
    try {
      const publisher = await openBusEventPublisher(both.bus.nc, both.bus.names, logger,
        createGatewayMetrics());
      const events = Array.from({ length: 300 }, () => busEvent());
      for (const event of events) publisher.started(startOf(event, "node-busy"));
      // The starts leave before the finals, or the publisher would drop them from the batch.
      publisher.flushStarts();
      await Promise.all(events.map((event) => publisher.settledFully(event.requestId)));
      for (const event of events) publisher.write(event);
      await publisher.close();
      const sql = both.pg.sql;
      const open = new PgOpenRequests(sql);
      running.push(await startOpenRequestTracker(both.bus.nc, both.bus.names,
        new PgEventStore(sql), open, logger, { deadAfterMs: 1000, sweepEveryMs: 100 }));
      expect(await waitFor(async () => await openCount(sql) === 300)).toBe(true);

      const writer = Bun.spawn([process.execPath, `${import.meta.dir}/pg-writer-crash-child.ts`,
        TEST_NATS_URL, both.bus.names.eventSubjectPrefix.split(".")[0] as string,
        TEST_POSTGRES_URL, both.pg.schema], { stdout: "pipe", stderr: "inherit" });
      child = writer;
      expect(await readUntil(writer.stdout, "committed 100")).toEqual([]);
      process.kill(writer.pid, "SIGKILL");
      await writer.exited;
      expect((await storedRows(sql)).size).toBe(100);

      let skipped = 0;
      running.push(await startBusEventWriter(both.bus.nc, both.bus.names, new PgEventStore(sql),
        logger, {
          openRequests: open,
          onCommitted: (written, batch) => {
            skipped += batch.length - written;
          },
        }));
      expect(await waitFor(async () => (await storedRows(sql)).size === 300 &&
        await openCount(sql) === 0, 15_000)).toBe(true);
      const rows = await storedRows(sql);
      expect([...rows.values()].filter((copies) => copies.length > 1)).toEqual([]);
      // The killed writer's committed batch came back and was skipped, not stored twice.
      expect(skipped).toBe(100);
      for (const event of events) expect(rows.get(event.requestId)?.[0]?.status).toBe(200);
    } finally {
      beat.stop();
    }
  }, 40_000);
});

/** Returns a random node id, so each test's lost events name their own node. */
function newNodeId(): string {
  return `node-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Runs gateway-crash-child.ts as node `nodeId` on the bus of `context` with `args`, kills it
 * once it prints `ready`, and returns a function that gives the request ids it printed by kind.
 */
async function runAndKillChild(
  context: NatsTestContext,
  nodeId: string,
  args: string[],
): Promise<(kind: string) => string[]> {
  const prefix = context.names.eventSubjectPrefix.split(".")[0] as string;
  const command = [process.execPath, `${import.meta.dir}/gateway-crash-child.ts`,
    TEST_NATS_URL, prefix, nodeId, ...args];
  const gateway = Bun.spawn(command, { stdout: "pipe", stderr: "inherit" });
  child = gateway;
  const lines = await readUntil(gateway.stdout, "ready");
  process.kill(gateway.pid, "SIGKILL");
  await gateway.exited;

  return (kind) => lines.filter((line) => line.startsWith(`${kind} `))
    .map((line) => line.slice(kind.length + 1));
}

/** Expects every id in `ids` to get a row, and no request to stay open, within 20 s. */
async function expectStored(target: Target, ids: string[]): Promise<void> {
  expect(await waitFor(async () => {
    const rows = await target.rows();
    return ids.every((id) => rows.has(id)) && await target.openCount() === 0;
  }, 20_000)).toBe(true);
}

/**
 * Runs a gateway child that leaves requests completed, open and still queued, kills it, and
 * checks that the writer stores one event per request: the final or a `gateway_lost` one.
 */
async function killGatewayMidRequest(context: NatsTestContext, target: Target): Promise<void> {
  await startWritingTo(context, target);
  const nodeId = newNodeId();
  const idsOf = await runAndKillChild(context, nodeId, ["120", "40", "30"]);
  const done = idsOf("done");
  const open = idsOf("open");
  const unsettled = idsOf("unsettled");
  expect(done).toHaveLength(120);
  expect(open).toHaveLength(40);
  await expectStored(target, [...done, ...open]);

  const rows = await target.rows();
  const duplicated = [...rows.values()].filter((copies) => copies.length > 1);
  expect(duplicated).toEqual([]);
  for (const id of done) expect(rows.get(id)?.[0]?.status).toBe(200);
  for (const id of open) {
    const row = rows.get(id)?.[0];
    expect(row?.status).toBe(502);
    expect(row?.error_code).toBe("gateway_lost");
    expect(row?.detail.node_id).toBe(nodeId);
    expect(String(row?.detail.lost)).toContain(`cut by a lost gateway: node ${nodeId}`);
  }
  // A request still queued at the kill is stored once or, if none of it left, not at all.
  const known = new Set([...done, ...open, ...unsettled]);
  expect([...rows.keys()].filter((id) => !known.has(id))).toEqual([]);
  expect(rows.size).toBeLessThanOrEqual(known.size);
}

/**
 * Stores the final of one request, then publishes one batch with its late start and the start
 * of a running request. Checks that only the running request is open, and that the late start
 * neither reopens its request nor becomes a `gateway_lost` event.
 */
async function lateStartStaysClosed(context: NatsTestContext, target: Target): Promise<void> {
  await startWritingTo(context, target);
  const { logger } = recordingLogger();
  const beat = startNodeHeartbeat(context.nc, context.names, "node-alive", logger, 100);
  try {
    const publisher = await openBusEventPublisher(context.nc, context.names, logger,
      createGatewayMetrics());
    const ended = busEvent();
    const running = busEvent();
    publisher.write(ended);
    await publisher.settled(ended.requestId);
    expect(await waitFor(async () => (await target.rows()).has(ended.requestId))).toBe(true);

    // Both starts in one batch, after `ended` is stored, as a start held in a batch
    // reaches the writer after a quick request's final.
    // A silent node: were the late start kept, the sweep would call its request lost.
    publisher.started(startOf(ended, "node-silent"));
    publisher.started(startOf(running, "node-alive"));
    await publisher.close();
    expect(await waitFor(async () => {
      const starts = await context.jsm.consumers.info(context.names.eventStream,
        context.names.startConsumer);
      return starts.num_pending + starts.num_ack_pending === 0;
    })).toBe(true);
    expect(await target.openCount()).toBe(1);

    // Past the dead-after time of a silent node, nothing turned into a lost event.
    await Bun.sleep(1500);
    const rows = await target.rows();
    expect(rows.get(ended.requestId)).toHaveLength(1);
    expect(rows.get(ended.requestId)?.[0]?.status).toBe(200);
    expect(rows.get(ended.requestId)?.[0]?.error_code).toBeNull();
    expect(rows.has(running.requestId)).toBe(false);
    expect(await target.openCount()).toBe(1);
  } finally {
    beat.stop();
  }
}

/** Reads `stream` line by line until a line equals `last`; returns the lines before it. */
async function readUntil(stream: ReadableStream<Uint8Array>, last: string): Promise<string[]> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
    const lines = text.split("\n");
    const end = lines.indexOf(last);
    if (end >= 0) {
      reader.releaseLock();
      return lines.slice(0, end);
    }
  }
  return text.split("\n");
}
