import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { replicateExtra } from "../providers/replicate/harness-config.ts";
import { FAILURE_MESSAGE } from "../simulator/replicate-scenario.ts";
import { eventually, type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let client: OpenAI;
beforeAll(async () => {
  harness = await startHarness({ extra: replicateExtra });
  client = new OpenAI({
    apiKey: await harness.createKey(),
    baseURL: `${harness.gateway.url}/v1`,
    maxRetries: 0,
  });
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

function requestsTo(suffix: string, method: string) {
  return harness.simulator.requests.filter(
    (request) => request.method === method && request.path.endsWith(suffix),
  );
}

/** Collects the text deltas of a stream and the request id of its response. */
async function collect(
  model: string,
  content: string,
  includeUsage = false,
): Promise<{ deltas: string[]; usage: OpenAI.CompletionUsage | null; requestId: string }> {
  const { data: stream, response } = await client.chat.completions
    .create({
      model,
      stream: true,
      stream_options: includeUsage ? { include_usage: true } : undefined,
      messages: [{ role: "user", content }],
    })
    .withResponse();
  const deltas: string[] = [];
  let usage: OpenAI.CompletionUsage | null = null;
  for await (const chunk of stream) {
    const text = chunk.choices[0]?.delta.content;
    if (typeof text === "string" && text !== "") deltas.push(text);
    if (chunk.usage) usage = chunk.usage;
  }
  return { deltas, usage, requestId: response.headers.get("x-request-id") ?? "" };
}

describe("replicate streaming", () => {
  test("text arrives in order through the openai client", async () => {
    const prompt = "Tell me a story about a lighthouse keeper";
    const { deltas, usage, requestId } = await collect("llama-test", prompt, true);

    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join("")).toBe(`Echo: ${prompt}`);
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBe(Math.ceil(`Echo: ${prompt}`.length / 4));

    const create = requestsTo("/predictions", "POST")[0];
    expect((create?.body as { stream?: boolean }).stream).toBe(true);
    expect(create?.headers.prefer).toBeUndefined();
    const streamRead = requestsTo("/stream", "GET")[0];
    expect(streamRead?.headers.accept).toBe("text/event-stream");

    const event = await harness.event(requestId);
    expect(event?.inputTokens).toBe(usage?.prompt_tokens ?? -1);
    expect(event?.outputTokens).toBe(usage?.completion_tokens ?? -1);
    expect(event?.detail.usage_estimated).toBeUndefined();
  });

  test("multi-line output keeps its line breaks", async () => {
    const { deltas } = await collect("llama-test", "line one\nline two\n\nline four");
    expect(deltas.join("")).toBe("Echo: line one\nline two\n\nline four");
  });

  test("usage falls back to the estimate", async () => {
    // Create and stream pass, then reading the prediction after `done` fails with a 500,
    // so no token counts arrive. Each request takes the first queued behaviour.
    harness.simulator.enqueue({ match: { provider: "replicate" } });
    harness.simulator.enqueue({ match: { provider: "replicate" } });
    harness.simulator.enqueue({ match: { provider: "replicate" }, status: 500 });
    const prompt = "count me please";
    const { deltas, usage, requestId } = await collect("llama-test", prompt, true);

    expect(deltas.join("")).toBe(`Echo: ${prompt}`);
    expect(usage).toBeNull();
    expect(requestsTo("", "GET").map((request) => request.path.endsWith("/stream")))
      .toEqual([true, false]);
    const event = await harness.event(requestId);
    expect(event?.detail.usage_estimated).toBe(true);
    expect(event?.outputTokens).toBe(Math.ceil(`Echo: ${prompt}`.length / 4));
    expect(event?.inputTokens).toBeGreaterThan(0);
  });

  test("error event mid-stream ends with an in-band error", async () => {
    const stream = await client.chat.completions.create({
      model: "llama-fails",
      stream: true,
      messages: [{ role: "user", content: "hi there" }],
    });
    const deltas: string[] = [];
    let failure: unknown = null;
    try {
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta.content;
        if (typeof text === "string" && text !== "") deltas.push(text);
      }
    } catch (error) {
      failure = error;
    }
    expect(deltas).toEqual(["Echo: hi"]);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toContain(FAILURE_MESSAGE);
    // A failed prediction needs no cancel.
    await Bun.sleep(50);
    expect(requestsTo("/cancel", "POST")).toHaveLength(0);
  });

  test("foreign-origin stream URL is refused", async () => {
    const failure = await client.chat.completions
      .create({ model: "llama-foreign", stream: true, messages: [{ role: "user", content: "x" }] })
      .then(() => null, (error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((failure as Error).message).toContain("urls.stream points at http://localhost:");
    for (const request of harness.simulator.requests) {
      expect(request.headers.host).toStartWith("127.0.0.1:");
    }
  });

  test("client leaving a stalled stream cancels", async () => {
    harness.simulator.enqueue({
      match: { provider: "replicate", path: "/stream" },
      hangAfterEvents: 2,
    });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "llama-test", stream: true, messages: [{ role: "user", content: "hang on" }] },
      { signal: controller.signal },
    );
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await iterator.next().catch(() => undefined);

    const cancels = await eventually(() => {
      const found = requestsTo("/cancel", "POST");
      return found.length > 0 ? found : undefined;
    });
    expect(cancels).toHaveLength(1);
  });

  test("429 on create keeps retry-after", async () => {
    harness.simulator.enqueue({
      match: { provider: "replicate", path: "/predictions" },
      status: 429,
      headers: { "retry-after": "3" },
    });
    const failure = await client.chat.completions
      .create({ model: "llama-test", stream: true, messages: [{ role: "user", content: "x" }] })
      .then(() => null, (error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after")).toBe("3");
  });
});
