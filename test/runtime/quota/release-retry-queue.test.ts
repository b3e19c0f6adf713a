import { describe, expect, test } from "bun:test";
import type { LogFields, LogLevel } from "../../../runtime/observability/log.ts";
import { ReleaseRetryQueue } from "../../../runtime/quota/release-retry-queue.ts";

const FAST = { initialDelayMs: 5, maxDelayMs: 20 };

/** Polls `ready` every 10 ms, for at most 5 s, so a broken queue fails rather than hangs. */
async function waitUntil(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ready(); i += 1) await Bun.sleep(10);
}

describe("release retry queue", () => {
  test("retries until the release succeeds", async () => {
    const attempts: string[] = [];
    const queue = new ReleaseRetryQueue<string>(async (id, entry) => {
      attempts.push(`${id}:${entry}`);
      if (attempts.length < 4) throw new Error("connection is closed");
    }, FAST);

    queue.add("r1", "groups", performance.now() + 60_000);
    await waitUntil(() => queue.size === 0);
    expect(queue.size).toBe(0);
    expect(attempts).toEqual(["r1:groups", "r1:groups", "r1:groups", "r1:groups"]);
  });

  test("gives up when the lease ends", async () => {
    let attempts = 0;
    const queue = new ReleaseRetryQueue<null>(async () => {
      attempts += 1;
      throw new Error("connection is closed");
    }, FAST);

    queue.add("r1", null, performance.now() + 50);
    await waitUntil(() => queue.size === 0);
    expect(queue.size).toBe(0);
    const final = attempts;
    await Bun.sleep(60);
    expect(attempts).toBe(final);
  });

  test("full queue drops the soonest lease", async () => {
    const released: string[] = [];
    let failing = true;
    const queue = new ReleaseRetryQueue<null>(async (id) => {
      if (failing) throw new Error("connection is closed");
      released.push(id);
    }, { ...FAST, maxPending: 2 });

    const now = performance.now();
    queue.add("late", null, now + 60_000);
    queue.add("soon", null, now + 30_000);
    queue.add("new", null, now + 90_000);
    expect(queue.size).toBe(2);

    failing = false;
    await waitUntil(() => queue.size === 0);
    expect(released.sort()).toEqual(["late", "new"]);
  });

  test("close tries once and logs what still fails", async () => {
    const logged: { level: LogLevel; event: string; fields?: LogFields }[] = [];
    let attempts = 0;
    const queue = new ReleaseRetryQueue<null>(async () => {
      attempts += 1;
      throw new Error("connection is closed");
    }, { initialDelayMs: 60_000, logger: { log: (level, event, fields) =>
      logged.push({ level, event, fields }) } });

    queue.add("r1", null, performance.now() + 60_000);
    await queue.close();
    expect(attempts).toBe(1);
    expect(queue.size).toBe(0);
    expect(logged.map((line) => line.event)).toContain("quota.release_abandoned");
  });
});
