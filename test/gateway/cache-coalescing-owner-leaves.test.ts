import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { TrafficEvent } from "../../runtime/audit/traffic-event.ts";
import type { QuotaAmounts, QuotaStore } from "../../runtime/quota/quota-store.ts";
import { sseEvents } from "../support/cache-answers.ts";
import { eventually, type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;
/** Every quota settle of the gateway's counters, with the spend it settled. */
const settles: { reservationId: string; actual: QuotaAmounts }[] = [];
const releases: string[] = [];

beforeAll(async () => {
  harness = await startHarness({
    extra: () => ({
      cache: { enabled: true, ttlSeconds: 60 },
      quotas: { rules: [{ axis: "org", match: "*", window: "day",
        limit: { tokens: 10_000_000 }, mode: "hard" }] },
    }),
  });
  key = await harness.createKey({ org: "flight-owner" });
  spyOnQuota(harness.gateway.context.quota!.store);
});
afterEach(() => {
  harness.simulator.reset();
  settles.length = 0;
  releases.length = 0;
});
afterAll(async () => {
  await harness.close();
});

/** Records the settles and releases of `store` while still running them. */
function spyOnQuota(store: QuotaStore): void {
  const settle = store.settle.bind(store);
  const release = store.release.bind(store);
  store.settle = (reservationId, actual, now) => {
    settles.push({ reservationId, actual });
    return settle(reservationId, actual, now);
  };
  store.release = (reservationId) => {
    releases.push(reservationId);
    return release(reservationId);
  };
}

function chat(
  content: string,
  options: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      ...options.headers,
    },
    body: JSON.stringify({ model: "gpt-test", stream: true,
      messages: [{ role: "user", content }] }),
    signal: options.signal,
  });
}

function messages(content: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify({ model: "claude-test", max_tokens: 64, stream: true,
      messages: [{ role: "user", content }] }),
    signal,
  });
}

/** Reads a body until `signal` aborts it; the client is then gone. */
async function readUntilAborted(response: Promise<Response>): Promise<string> {
  try {
    return await (await response).text();
  } catch (error) {
    return String(error);
  }
}

async function eventOf(requestId: string): Promise<TrafficEvent> {
  return eventually(() => harness.event(requestId));
}

function idOf(response: Response): string {
  return response.headers.get("x-request-id") ?? "";
}

describe("coalesced call after its owner leaves", () => {
  test("charges the full call once", async () => {
    // About 2000 prompt tokens, so a partial estimate and the full usage differ clearly.
    const prompt = `owner leaves ${"long prompt text ".repeat(465)}`;
    harness.simulator.enqueue({ interChunkDelayMs: 40, sticky: true });
    const leaving = new AbortController();
    const startedAt = Date.now();
    // Headers come with the first chunk, so the owner's call runs before the stayer's request.
    const owner = await chat(prompt, { signal: leaving.signal });
    const ownerId = idOf(owner);
    const ownerBody = readUntilAborted(Promise.resolve(owner));
    const stayer = await chat(prompt);
    await Bun.sleep(Math.max(0, 300 - (Date.now() - startedAt)));
    leaving.abort();
    await ownerBody;
    const stayed = await stayer.text();
    expect(stayed).toContain("data: [DONE]");
    expect(harness.simulator.requests.length).toBe(1);
    const left = await eventOf(ownerId);
    const paid = await eventOf(idOf(stayer));
    const flightSettles = [...settles];
    const flightReleases = [...releases];

    // What the provider bills for this request, from a call of its own.
    const reference = await chat(prompt, { headers: { "cache-control": "no-store" } });
    await reference.text();
    const billed = await eventOf(idOf(reference));
    expect(billed.inputTokens).toBeGreaterThan(1900);
    expect(billed.costUsd).toBeGreaterThan(0);

    expect(left.status).toBe(499);
    expect(left.costUsd).toBe(0);
    expect(left.detail.cache_flight_handed_over).toBe(paid.requestId);
    expect(paid.status).toBe(200);
    expect(paid.detail.cache_flight_taken_over_from).toBe(ownerId);
    expect(paid.inputTokens).toBe(billed.inputTokens);
    expect(paid.outputTokens).toBe(billed.outputTokens);
    expect(paid.costUsd).toBe(billed.costUsd);

    // The full usage settles once, for the stayer: the leaver's reservation is released.
    expect(flightSettles.length).toBe(1);
    expect(flightSettles[0]!.actual.tokens).toBe(billed.inputTokens! + billed.outputTokens!);
    expect(flightReleases.length).toBe(1);
  });

  test("JSON charge passes to a joiner", async () => {
    harness.simulator.enqueue({ latencyMs: 400, sticky: true });
    const send = (signal?: AbortSignal) => fetch(`${harness.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-test",
        messages: [{ role: "user", content: "json owner leaves" }] }),
      signal,
    });
    const leaving = new AbortController();
    const owner = send(leaving.signal).catch((error: unknown) => error);
    await eventually(() => harness.simulator.requests.length === 1 || undefined);
    const joiner = send();
    await Bun.sleep(100);
    leaving.abort();
    expect(await owner).toBeInstanceOf(Error);
    const joined = await joiner;
    const body = await joined.json() as { usage: { prompt_tokens: number } };
    expect(harness.simulator.requests.length).toBe(1);

    const paid = await eventOf(idOf(joined));
    const leaverId = paid.detail.cache_flight_taken_over_from as string;
    expect(leaverId).toBeDefined();
    const left = await eventOf(leaverId);
    expect(left.status).toBe(499);
    expect(left.costUsd).toBe(0);
    expect(left.detail.cache_flight_handed_over).toBe(paid.requestId);
    expect(paid.inputTokens).toBe(body.usage.prompt_tokens);
    expect(paid.costUsd).toBeGreaterThan(0);
    expect(settles.length).toBe(1);
    expect(releases.length).toBe(1);
  });

  test("stays joinable until the call ends", async () => {
    harness.simulator.enqueue({ interChunkDelayMs: 150, sticky: true });
    const leaving = new AbortController();
    const startedAt = Date.now();
    const sleepUntil = (ms: number) => Bun.sleep(Math.max(0, ms - (Date.now() - startedAt)));
    const owner = await messages("joinable after owner leaves", leaving.signal);
    await sleepUntil(100);
    const first = messages("joinable after owner leaves");
    await sleepUntil(250);
    leaving.abort();
    await readUntilAborted(Promise.resolve(owner));
    await sleepUntil(400);
    const second = await messages("joinable after owner leaves");

    const firstResponse = await first;
    const bodies = [await firstResponse.text(), await second.text()];
    expect(harness.simulator.requests.length).toBe(1);
    const ids = bodies.map((body) => {
      const start = sseEvents(body).find((event) => event.event === "message_start");
      return (start?.data.message as { id?: string } | undefined)?.id;
    });
    expect(ids[0]).toBeDefined();
    expect(ids[1]).toBe(ids[0]);
    for (const body of bodies) expect(body).toContain("event: message_stop");

    const late = await eventOf(idOf(second));
    expect(second.headers.get("x-nexus-cache")).toBe("miss");
    expect(late.detail.cache_coalesced).toBe(true);
    expect(late.costUsd).toBe(0);
    const heir = await eventOf(idOf(firstResponse));
    expect(heir.detail.cache_flight_taken_over_from).toBeDefined();
    expect(heir.costUsd).toBeGreaterThan(0);
  });
});

describe("joined request labels", () => {
  test("failed joined stream is a miss", async () => {
    harness.simulator.enqueue({ interChunkDelayMs: 40, cutAfterEvents: 4, sticky: true });
    const owner = await chat("joined then cut");
    const joined = await chat("joined then cut");
    const [ownerBody, joinedBody] = [await owner.text(), await joined.text()];
    expect(harness.simulator.requests.length).toBe(1);
    expect(ownerBody).toContain("upstream_stream_cut");
    expect(joinedBody).toContain("upstream_stream_cut");

    expect(joined.headers.get("x-nexus-cache")).toBe("miss");
    const failed = await eventOf(idOf(joined));
    expect(failed.status).toBe(502);
    expect(failed.detail.cache).toBe("miss");
    expect(failed.detail.cache_coalesced).toBe(true);
    expect(failed.costUsd).toBe(0);
  });
});
