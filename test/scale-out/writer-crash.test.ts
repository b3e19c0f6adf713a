import { describe, expect, test } from "bun:test";
import type { Sql } from "postgres";
import { type NatsTestContext, waitFor } from "../support/nats.ts";
import { expectStoredOnce, useCrashCluster } from "./support.ts";
import { type ChatOutcome, sendChat } from "./traffic.ts";

/** Bound on the requests of the burst, which otherwise runs until the new writer is up. */
const MAX_REQUESTS = 10_000;
const CONCURRENCY = 12;
/** How long the burst goes on after the replacement writer started. */
const LOAD_AFTER_RESTART_MS = 1000;
/** Rows stored before the writer is killed, so it dies with the burst still flowing. */
const ROWS_BEFORE_KILL = 40;
/** Short, so the batch the killed writer held comes back within the test's time. */
const ACK_WAIT_MS = 2000;

const crashCluster = useCrashCluster(ACK_WAIT_MS);

async function storedRows(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM traffic_events`;
  return row?.n ?? 0;
}

/** A table lock held in an open transaction; `done` settles once it is released. */
interface HeldLock {
  locked: Promise<void>;
  unlock(): void;
  done: Promise<unknown>;
}

/** Takes a lock that blocks inserts into the event id table until `unlock` is called. */
function holdInsertLock(sql: Sql): HeldLock {
  let unlock!: () => void;
  let locked!: () => void;
  const unlocked = new Promise<void>((resolve) => {
    unlock = resolve;
  });
  const lockedPromise = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const done = sql.begin(async (tx) => {
    await tx`LOCK TABLE traffic_event_ids IN SHARE ROW EXCLUSIVE MODE`;
    locked();
    await unlocked;
  });
  return { locked: lockedPromise, unlock, done };
}

describe("writer killed mid-batch", () => {
  test("stores each completed request once", async () => {
    const cluster = crashCluster();
    if (cluster === null) return;
    const { gateways } = cluster;
    const sql = (cluster.postgres as { sql: Sql }).sql;
    const nats = cluster.nats as NatsTestContext;
    const { secret } = await cluster.createKey();

    let next = 0;
    let loading = true;
    const outcomes: ChatOutcome[] = [];
    const worker = async () => {
      while (loading && next < MAX_REQUESTS) {
        const index = next++;
        outcomes.push(await sendChat({ url: gateways[index % gateways.length]!.url, key: secret }));
      }
    };
    const burst = Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const victim = cluster.writers[0]!;
    const consumer = () => nats.jsm.consumers.info(nats.names.eventStream,
      nats.names.writerConsumer);
    expect(await waitFor(async () => await storedRows(sql) >= ROWS_BEFORE_KILL, 15_000))
      .toBe(true);

    // A table lock stalls the writer's next insert, so it is killed holding a batch it has
    // received and not acknowledged: its transaction dies uncommitted with the connection.
    const release = holdInsertLock(sql);
    await release.locked;
    expect(await waitFor(async () => (await consumer()).num_ack_pending > 0, 10_000)).toBe(true);
    await victim.kill();
    const sentAtKill = next;
    expect(victim.process.signalCode).toBe("SIGKILL");
    release.unlock();
    await release.done;
    await cluster.startWriter();
    await Bun.sleep(LOAD_AFTER_RESTART_MS);
    loading = false;
    await burst;

    // Requests went on after the kill, so events reached the bus while no writer ran.
    const sent = outcomes.length;
    expect(sent).toBeGreaterThan(sentAtKill);
    expect(sent).toBeLessThan(MAX_REQUESTS);
    const completed = outcomes.filter((outcome) => outcome.complete);
    expect(completed.length).toBe(sent);
    const ids = completed.map((outcome) => outcome.requestId as string);
    expect(new Set(ids).size).toBe(sent);

    const counts = await expectStoredOnce(cluster, ids);
    expect(counts.size).toBe(sent);

    // Deliveries beyond one per event are the killed writer's batch, delivered again to the new
    // writer: the crash path really ran.
    const deliveries = (await consumer()).delivered.consumer_seq;
    expect(deliveries).toBeGreaterThan(sent);
  }, 45_000);
});
