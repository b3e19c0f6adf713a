import { afterEach, describe, expect, test } from "bun:test";
import { jetstream } from "@nats-io/jetstream";
import type { TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import type { RunningConsumer } from "../../../runtime/bus/batch-consumer.ts";
import { startBusEventWriter } from "../../../runtime/bus/bus-event-writer.ts";
import { eventSubject } from "../../../runtime/bus/bus-names.ts";
import { encodeEvent } from "../../../runtime/bus/event-codec.ts";
import { GATEWAY_LOST } from "../../../runtime/bus/request-start.ts";
import { PgEventStore } from "../../../runtime/storage/postgres/pg-event-store.ts";
import { type NatsTestContext, openNatsForTest, waitFor } from "../../support/nats.ts";
import { openPostgresForTest, type PostgresTestContext } from "../../support/postgres.ts";
import { busEvent, recordingLogger } from "./support.ts";

let bus: NatsTestContext | null = null;
let pg: PostgresTestContext | null = null;
const writers: RunningConsumer[] = [];

afterEach(async () => {
  for (const writer of writers.splice(0)) await writer.stop();
  await bus?.close();
  bus = null;
  await pg?.close();
  pg = null;
});

/**
 * Publishes the event, waits until the writer stored it, then publishes it again under another
 * message id. JetStream keeps both, as it does for a spilled event republished after the
 * stream's duplicate window has passed.
 */
async function publishTwice(context: NatsTestContext, event: TrafficEvent): Promise<void> {
  const js = jetstream(context.nc);
  const subject = eventSubject(context.names, event.org);
  await js.publish(subject, encodeEvent(event), { msgID: event.requestId });
  expect(await drained(context)).toBe(true);
  await js.publish(subject, encodeEvent(event), { msgID: `${event.requestId}-republished` });
  expect(await drained(context)).toBe(true);
}

async function rowsOf(context: PostgresTestContext, requestId: string):
  Promise<{ error_code: string | null }[]> {
  return await context.sql<{ error_code: string | null }[]>`
    SELECT error_code FROM traffic_events WHERE request_id = ${requestId}`;
}

async function drained(context: NatsTestContext): Promise<boolean> {
  return await waitFor(async () => {
    const info = await context.jsm.consumers.info(context.names.eventStream,
      context.names.writerConsumer);
    return info.num_pending === 0 && info.num_ack_pending === 0;
  }, 10_000);
}

describe("spilled event republished after the duplicate window", () => {
  test("final event twice is stored once", async () => {
    bus = await openNatsForTest();
    pg = await openPostgresForTest();
    if (bus === null || pg === null) return;
    const { logger } = recordingLogger();
    writers.push(await startBusEventWriter(bus.nc, bus.names, new PgEventStore(pg.sql), logger));
    const event = busEvent();

    await publishTwice(bus, event);
    expect(await rowsOf(pg, event.requestId)).toEqual([{ error_code: null }]);
  }, 20_000);

  test("final event twice replaces gateway_lost once", async () => {
    bus = await openNatsForTest();
    pg = await openPostgresForTest();
    if (bus === null || pg === null) return;
    const store = new PgEventStore(pg.sql);
    const event = busEvent();
    await store.insertBatch([busEvent({ requestId: event.requestId, errorCode: GATEWAY_LOST,
      status: 502 })]);
    const { logger } = recordingLogger();
    writers.push(await startBusEventWriter(bus.nc, bus.names, store, logger));

    await publishTwice(bus, event);
    expect(await rowsOf(pg, event.requestId)).toEqual([{ error_code: null }]);
  }, 20_000);

  test("store keeps one row for a repeated batch", async () => {
    pg = await openPostgresForTest();
    if (pg === null) return;
    const store = new PgEventStore(pg.sql);
    const event = busEvent();
    expect(await store.insertBatch([event])).toBe(1);
    expect(await store.insertBatch([event])).toBe(0);
    expect(await rowsOf(pg, event.requestId)).toHaveLength(1);
  });
});
