import { expect } from "bun:test";
import type { Behaviour } from "../simulator/behaviour.ts";
import type { Harness } from "./harness.ts";

/** Parses an SSE body into its events (`event:` name and JSON data), in order. */
export function sseEvents(text: string): { event: string; data: Record<string, unknown> }[] {
  return text.split("\n\n").filter((frame) => frame.includes("data: {")).map((frame) => {
    const name = /^event: (.*)$/m.exec(frame)?.[1] ?? "";
    const data = /^data: (.*)$/m.exec(frame)![1]!;
    return { event: name, data: JSON.parse(data) as Record<string, unknown> };
  });
}

/** Masks ids and creation times at any depth, which a translated answer mints per serve. */
export function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([name, field]) =>
    [name, ["id", "item_id", "created_at"].includes(name) ? "<minted>" : withoutIds(field)]));
}

/** Checks that a hit recorded the miss's usage at no cost, and that the miss cost something. */
export async function expectHitFree(
  harness: Harness,
  miss: Response,
  hit: Response,
): Promise<void> {
  const missEvent = await harness.event(miss.headers.get("x-request-id") ?? "");
  const hitEvent = await harness.event(hit.headers.get("x-request-id") ?? "");
  expect(missEvent).toBeDefined();
  expect(hitEvent).toBeDefined();
  expect(missEvent!.detail.cache).toBe("miss");
  expect(missEvent!.costUsd).toBeGreaterThan(0);
  expect(hitEvent!.detail.cache).toBe("hit");
  expect(hitEvent!.costUsd).toBe(0);
  expect(hitEvent!.inputTokens).toBe(missEvent!.inputTokens);
  expect(hitEvent!.outputTokens).toBe(missEvent!.outputTokens);
}

/**
 * Sends `count` identical requests at once and checks that they made one upstream call: all
 * misses, since none came from the store, every one but the first joined at no cost, and
 * every body the same. Returns the first body.
 */
export async function expectCoalesced(
  harness: Harness,
  count: number,
  send: () => Promise<Response>,
): Promise<string> {
  const responses = await Promise.all(Array.from({ length: count }, send));
  const bodies = await Promise.all(responses.map((response) => response.text()));
  expect(harness.simulator.requests.length).toBe(1);
  const statuses = responses.map((response) => response.headers.get("x-nexus-cache"));
  expect(statuses.filter((status) => status === "miss").length).toBe(count);
  const events = await Promise.all(responses.map((response) =>
    harness.event(response.headers.get("x-request-id") ?? "")));
  const joined = events.filter((event) => event?.detail.cache_coalesced === true);
  expect(joined.length).toBe(count - 1);
  for (const event of joined) expect(event!.costUsd).toBe(0);
  for (const body of bodies) expect(body).toBe(bodies[0]!);
  return bodies[0]!;
}

/**
 * Sends a request twice with the first upstream answer replaced by `fault`, and checks that
 * the faulty answer was not stored: the second request misses. Returns the first body.
 */
export async function expectNotStored(
  harness: Harness,
  fault: Behaviour,
  send: () => Promise<Response>,
): Promise<string> {
  harness.simulator.enqueue(fault);
  const first = await send();
  const text = await first.text();
  const again = await send();
  expect(again.headers.get("x-nexus-cache")).toBe("miss");
  await again.text();
  expect(harness.simulator.requests.length).toBe(2);
  return text;
}

/** The events a stream of one API starts and ends with. */
export interface StreamEnds {
  first: string;
  last: string;
}

/**
 * Sends a stream request twice and checks that the second replays the first from the cache:
 * a hit with no second upstream call, well-formed events from `ends.first` to `ends.last`,
 * and the same bytes when `relayed` (the provider's own events), else the same events but
 * for ids minted per serve. Returns the replayed response.
 */
export async function expectStreamReplay(
  harness: Harness,
  send: () => Promise<Response>,
  ends: StreamEnds,
  relayed: boolean,
): Promise<Response> {
  const first = await send();
  expect(first.headers.get("x-nexus-cache")).toBe("miss");
  const original = await first.text();

  const second = await send();
  expect(second.headers.get("x-nexus-cache")).toBe("hit");
  expect(second.headers.get("content-type")).toContain("text/event-stream");
  const replayed = await second.text();
  expect(harness.simulator.requests.length).toBe(1);

  const events = sseEvents(replayed);
  expect(events[0]!.event).toBe(ends.first);
  expect(events.at(-1)!.event).toBe(ends.last);
  for (const { event: name, data } of events) expect(data.type).toBe(name);
  if (relayed) {
    expect(replayed).toBe(original);
  } else {
    expect(withoutIds(events)).toEqual(withoutIds(sseEvents(original)));
  }
  const hitEvent = await harness.event(second.headers.get("x-request-id") ?? "");
  expect(hitEvent?.costUsd).toBe(0);
  return second;
}
