import { describe, expect, test } from "bun:test";
import { useCacheHarness } from "../support/cache-harness.ts";
import { eventually, type Harness } from "../support/harness.ts";

let harness: Harness;
let key: string;

useCacheHarness(async (started) => {
  harness = started;
  key = await harness.createKey();
});

const WAITERS = 20;

function chat(content: string, stream: boolean, signal?: AbortSignal): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", stream, messages: [{ role: "user", content }] }),
    signal,
  });
}

/** Reads an SSE chat body: its joined content, and whether it ended with `[DONE]`. */
async function streamedText(response: Response): Promise<{ text: string; done: boolean }> {
  const body = await response.text();
  let text = "";
  for (const frame of body.split("\n\n")) {
    if (!frame.startsWith("data: {")) continue;
    const chunk = JSON.parse(frame.slice("data: ".length)) as {
      choices?: { delta?: { content?: string } }[];
    };
    text += chunk.choices?.map((choice) => choice.delta?.content ?? "").join("") ?? "";
  }
  return { text, done: body.includes("data: [DONE]") };
}

function cacheHeaders(responses: Response[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const response of responses) {
    const status = response.headers.get("x-nexus-cache") ?? "none";
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

describe("in-flight coalescing", () => {
  test("concurrent JSON requests share one call", async () => {
    harness.simulator.enqueue({ latencyMs: 300, sticky: true });
    const responses = await Promise.all(
      Array.from({ length: WAITERS }, () => chat("coalesce json", false)),
    );
    const bodies = await Promise.all(responses.map((r) => r.json()));

    expect(harness.simulator.requests.length).toBe(1);
    for (const response of responses) expect(response.status).toBe(200);
    for (const body of bodies) {
      expect(body.choices[0].message.content).toContain("coalesce json");
      expect(body).toEqual(bodies[0]);
    }
    // Joined requests did not come from the store, so they are misses too.
    expect(cacheHeaders(responses)).toEqual({ miss: WAITERS });

    const events = await Promise.all(
      responses.map(async (r) => (await harness.event(r.headers.get("x-request-id")!))!));
    const followers = events.filter((e) => e.detail.cache_coalesced === true);
    expect(followers.length).toBe(WAITERS - 1);
    for (const follower of followers) expect(follower.costUsd).toBe(0);
  });

  test("concurrent streams share one call", async () => {
    harness.simulator.enqueue({ latencyMs: 200, interChunkDelayMs: 20, sticky: true });
    const responses = await Promise.all(
      Array.from({ length: WAITERS }, () => chat("coalesce stream", true)),
    );
    const texts = await Promise.all(responses.map(streamedText));

    expect(harness.simulator.requests.length).toBe(1);
    expect(cacheHeaders(responses)).toEqual({ miss: WAITERS });
    for (const { text, done } of texts) {
      expect(done).toBe(true);
      expect(text).toBe(texts[0]!.text);
      expect(text).toContain("coalesce stream");
    }
  });

  test("late joiner gets stream from start", async () => {
    harness.simulator.enqueue({ interChunkDelayMs: 40 });
    const early = await chat("late joiner stream", true);
    const reader = early.body!.getReader();
    await reader.read();
    const late = await chat("late joiner stream", true);
    expect(late.headers.get("x-nexus-cache")).toBe("miss");

    const rest = await new Response(new ReadableStream({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
    })).text();
    const lateText = await streamedText(late);
    expect(lateText.done).toBe(true);
    expect(lateText.text).toContain("late joiner stream");
    expect(rest).toContain("[DONE]");
    expect(harness.simulator.requests.length).toBe(1);
  });

  test("one streamed waiter leaving spares others", async () => {
    harness.simulator.enqueue({ latencyMs: 100, interChunkDelayMs: 40, sticky: true });
    const leaving = new AbortController();
    const quitter = chat("waiter leaves", true, leaving.signal);
    const stayers = Array.from({ length: 3 }, () => chat("waiter leaves", true));

    const quitterResponse = await quitter;
    const reader = quitterResponse.body!.getReader();
    await reader.read();
    leaving.abort();
    await reader.cancel().catch(() => undefined);

    const texts = await Promise.all((await Promise.all(stayers)).map(streamedText));
    for (const { text, done } of texts) {
      expect(done).toBe(true);
      expect(text).toContain("waiter leaves");
    }
    expect(harness.simulator.requests.length).toBe(1);
    expect(harness.simulator.disconnects).toBe(0);
  });

  test("all waiters leaving cancels upstream", async () => {
    harness.simulator.enqueue({ hangAfterEvents: 2, sticky: true });
    const controllers = [new AbortController(), new AbortController()];
    const responses = await Promise.all(
      controllers.map((c) => chat("everyone leaves", true, c.signal)),
    );
    for (const response of responses) await response.body!.getReader().read();
    for (const controller of controllers) controller.abort();

    await eventually(() => (harness.simulator.disconnects === 1 ? true : undefined));
    expect(harness.simulator.requests.length).toBe(1);
    await eventually(() => (harness.gateway.context.cache!.flights.size === 0 ? true : undefined));
  });

  test("failed call reaches every waiter", async () => {
    harness.simulator.enqueue({ status: 503, latencyMs: 200 });
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => chat("shared failure", false)),
    );
    for (const response of responses) {
      expect(response.status).toBe(503);
      await response.text();
    }
    expect(harness.simulator.requests.length).toBe(1);

    const retried = await chat("shared failure", false);
    expect(retried.status).toBe(200);
    expect(retried.headers.get("x-nexus-cache")).toBe("miss");
    await retried.json();
  });
});
