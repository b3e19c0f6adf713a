import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { TrafficEvent } from "../../runtime/audit/traffic-event.ts";
import type { QuotaAmounts, QuotaStore } from "../../runtime/quota/quota-store.ts";
import { eventually, type Harness, startHarness } from "../support/harness.ts";

/**
 * A client that leaves a stream while a response stage withholds text. The stage's window
 * withholds the whole response text here, so the client has received no text when it leaves,
 * yet the provider generated (and bills) every chunk the gateway read.
 */

let harness: Harness;
let key: string;
/** The spend of every quota settle, in order. */
const settles: QuotaAmounts[] = [];

beforeAll(async () => {
  harness = await startHarness({
    extra: () => ({
      compliance: {
        defaultPipeline: "answers",
        pipelines: { answers: { response: [{ stage: "pii", action: "redact" }] } },
      },
      quotas: { rules: [{ axis: "org", match: "*", window: "day",
        limit: { tokens: 10_000_000 }, mode: "hard" }] },
    }),
  });
  key = await harness.createKey();
  spyOnSettle(harness.gateway.context.quota!.store);
});
afterEach(() => {
  harness.simulator.reset();
  settles.length = 0;
});
afterAll(async () => {
  await harness.close();
});

function spyOnSettle(store: QuotaStore): void {
  const settle = store.settle.bind(store);
  store.settle = (reservationId, actual, now) => {
    settles.push(actual);
    return settle(reservationId, actual, now);
  };
}

const PROMPT = "Please summarise this note. ".repeat(11).slice(0, 300);
/** Text of the first chunk, which the gateway reads before it sends the client any byte. */
const FIRST_TEXT = "Here is a summary of the note you sent, ";
const MORE_TEXT = ["written for jane@example.com ", "in three short points: ", "one, "];

function chunk(delta: Record<string, unknown>): string {
  const body = {
    id: "chatcmpl-left", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini",
    choices: [{ index: 0, delta, finish_reason: null }],
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

/** Queues an OpenAI stream of these texts with no usage report and no [DONE], and a fault. */
function streamWithout(
  texts: string[],
  fault: { hangAfterEvents: number } | { cutAfterEvents: number },
): void {
  const [first = "", ...rest] = texts;
  const chunks = [chunk({ role: "assistant", content: first }),
    ...rest.map((content) => chunk({ content }))];
  harness.simulator.enqueue({
    match: { provider: "openai" },
    status: 200,
    headers: { "content-type": "text/event-stream; charset=utf-8" },
    body: chunks.join(""),
    ...fault,
  });
}

const routes = [
  { path: "/v1/chat/completions", body: { model: "gpt-test", stream: true,
    stream_options: { include_usage: true }, messages: [{ role: "user", content: PROMPT }] } },
  { path: "/v1/messages", body: { model: "gpt-test", stream: true, max_tokens: 256,
    messages: [{ role: "user", content: PROMPT }] } },
  { path: "/v1/responses", body: { model: "gpt-test", stream: true, input: PROMPT } },
];

/** Sends a streamed request, reads its first bytes, then leaves. */
async function leaveAfterFirstRead(path: string, body: unknown): Promise<string> {
  const controller = new AbortController();
  const response = await fetch(`${harness.gateway.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const read = await response.body!.getReader().read();
  expect(read.done).toBe(false);
  controller.abort();
  return response.headers.get("x-request-id") ?? "";
}

describe("client leaves a scanned stream", () => {
  for (const route of routes) {
    test(`${route.path} bills the held-back text`, async () => {
      const texts = [FIRST_TEXT, ...MORE_TEXT];
      streamWithout(texts, { hangAfterEvents: texts.length });
      const requestId = await leaveAfterFirstRead(route.path, route.body);

      const event: TrafficEvent = await eventually(() => harness.event(requestId));
      expect(event.status).toBe(499);
      expect(event.errorCode).toBe("client_disconnected");
      expect(event.detail.usage_estimated).toBe(true);
      // The prompt alone is 300 characters, about 75 tokens at four characters per token.
      expect(event.inputTokens).toBeGreaterThanOrEqual(75);
      expect(event.outputTokens).toBeGreaterThanOrEqual(Math.ceil(FIRST_TEXT.length / 4));
      expect(event.costUsd).toBeGreaterThan(0);

      const settled = await eventually(() => settles[0]);
      expect(settles).toHaveLength(1);
      expect(settled.tokens).toBe(event.inputTokens! + event.outputTokens!);
      expect(settled.usd).toBeCloseTo(event.costUsd!, 12);
    });
  }
});

describe("scanned stream cut upstream", () => {
  // More than the stage's window, so part of the text is released before the cut and the rest
  // is released after it, before the in-band error.
  const texts = Array.from({ length: 12 },
    (_, index) => `Point ${String(index).padStart(2, "0")}: mail jane@example.com today. `);
  const providerChars = texts.join("").length;

  for (const route of routes) {
    test(`${route.path} counts each character once`, async () => {
      streamWithout(texts, { cutAfterEvents: texts.length });
      const response = await fetch(`${harness.gateway.url}${route.path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(route.body),
      });
      const sent = await response.text();
      expect(sent).not.toContain("jane@example.com");

      const requestId = response.headers.get("x-request-id") ?? "";
      const event: TrafficEvent = await eventually(() => harness.event(requestId));
      expect(event.errorCode).toBe("upstream_stream_cut");
      expect(event.detail.usage_estimated).toBe(true);
      // The provider's text, not the redacted text the client got, at four characters a token.
      expect(event.outputTokens).toBe(Math.ceil(providerChars / 4));
    });
  }
});
