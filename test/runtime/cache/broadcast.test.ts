import { describe, expect, test } from "bun:test";
import { Broadcast } from "../../../runtime/cache/broadcast.ts";

const copy = (item: { n: number }) => ({ ...item });

async function drain<T>(iterator: AsyncIterableIterator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterator) out.push(item);
  return out;
}

describe("broadcast", () => {
  test("late subscriber replays from start", async () => {
    const feed = new Broadcast<{ n: number }>(() => undefined);
    const early = drain(feed.subscribe({ copy }));
    feed.push({ n: 1 });
    feed.push({ n: 2 });
    const late = drain(feed.subscribe({ copy }));
    feed.push({ n: 3 });
    feed.end();
    expect(await early).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await late).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  test("subscribers get their own copies", async () => {
    const feed = new Broadcast<{ n: number }>(() => undefined);
    feed.push({ n: 1 });
    feed.end();
    const [first] = await drain(feed.subscribe({ copy }));
    first!.n = 99;
    expect(await drain(feed.subscribe({ copy }))).toEqual([{ n: 1 }]);
  });

  test("failure reaches every subscriber after items", async () => {
    const feed = new Broadcast<{ n: number }>(() => undefined);
    const iterator = feed.subscribe({ copy });
    feed.push({ n: 1 });
    feed.fail(new Error("cut"));
    expect(await iterator.next()).toEqual({ done: false, value: { n: 1 } });
    await expect(iterator.next()).rejects.toThrow("cut");
  });

  test("abandons only when all leave", async () => {
    let abandoned = 0;
    const feed = new Broadcast<{ n: number }>(() => (abandoned += 1));
    const one = feed.subscribe({ copy });
    const two = feed.subscribe({ copy });
    await one.return!();
    expect(abandoned).toBe(0);
    expect(feed.abandoned).toBe(false);
    await two.return!();
    expect(abandoned).toBe(1);
    expect(feed.abandoned).toBe(true);
  });

  test("aborted signal leaves only its subscriber", async () => {
    let abandoned = 0;
    const feed = new Broadcast<{ n: number }>(() => (abandoned += 1));
    const controller = new AbortController();
    const leaving = feed.subscribe({ copy, signal: controller.signal }).next();
    const staying = feed.subscribe({ copy }).next();
    controller.abort(new Error("gone"));
    await expect(leaving).rejects.toThrow("gone");
    expect(abandoned).toBe(0);

    feed.push({ n: 1 });
    expect(await staying).toEqual({ done: false, value: { n: 1 } });
  });

  test("no abandon after end", async () => {
    let abandoned = 0;
    const feed = new Broadcast<{ n: number }>(() => (abandoned += 1));
    const iterator = feed.subscribe({ copy });
    feed.end();
    await iterator.return!();
    expect(abandoned).toBe(0);
  });

  test.each(["end", "fail"] as const)("settled after %s without readers", async (outcome) => {
    const feed = new Broadcast<{ n: number }>(() => undefined);
    let settled = false;
    void feed.settled.then(() => (settled = true));
    feed.push({ n: 1 });
    await Bun.sleep(0);
    expect(settled).toBe(false);

    if (outcome === "end") feed.end();
    else feed.fail(new Error("upstream failed"));
    await feed.settled;
    expect(settled).toBe(true);
  });
});
