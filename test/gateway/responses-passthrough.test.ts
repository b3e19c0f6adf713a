import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let client: OpenAI;
beforeAll(async () => {
  harness = await startHarness();
  client = new OpenAI({
    baseURL: `${harness.gateway.url}/v1`,
    apiKey: await harness.createKey({ project: "responses" }),
    maxRetries: 0,
  });
});
afterAll(async () => {
  await harness.close();
});
beforeEach(() => {
  harness.simulator.reset();
});

/** Returns the Responses request the simulator received last. */
function lastUpstream(): { path: string; body: Record<string, unknown> } {
  const last = harness.simulator.requests.at(-1);
  expect(last?.provider).toBe("openai");
  return { path: last?.path ?? "", body: last?.body as Record<string, unknown> };
}

/** Events recorded under a client request id; each request must leave exactly one. */
async function eventsFor(clientRequestId: string) {
  await harness.gateway.context.eventWriter.flush();
  return harness.gateway.context.events.list({ limit: 10, clientRequestId });
}

const multiply = {
  type: "function" as const,
  name: "multiply",
  description: "Multiply two integers.",
  parameters: {
    type: "object",
    properties: { a: { type: "integer" }, b: { type: "integer" } },
    required: ["a", "b"],
    additionalProperties: false,
  },
  strict: true,
};

describe("Responses passthrough to an OpenAI upstream", () => {
  test("JSON answer with model restored", async () => {
    const { data, response } = await client.responses
      .create({
        model: "gpt-test",
        instructions: "Be brief.",
        input: "Hello there",
        store: false,
        include: ["reasoning.encrypted_content"],
      }, { headers: { "x-client-request-id": "resp-json-1" } })
      .withResponse();
    expect(data.object).toBe("response");
    expect(data.model).toBe("gpt-test");
    expect(data.output_text).toBe("Echo: Hello there");
    expect(data.usage?.input_tokens).toBeGreaterThan(0);

    const upstream = lastUpstream();
    expect(upstream.path).toBe("/openai/v1/responses");
    expect(upstream.body.model).toBe("gpt-4o-mini");
    expect(upstream.body.instructions).toBe("Be brief.");
    expect(upstream.body.include).toEqual(["reasoning.encrypted_content"]);
    expect(upstream.body.store).toBe(false);

    const events = await eventsFor("resp-json-1");
    expect(events).toHaveLength(1);
    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.route).toBe("/v1/responses");
    expect(event?.status).toBe(200);
    expect(event?.provider).toBe("openai");
    expect(event?.stream).toBe(false);
    expect(event?.inputTokens).toBe(data.usage?.input_tokens ?? -1);
    expect(event?.outputTokens).toBe(data.usage?.output_tokens ?? -1);
    expect(event?.cachedTokens).toBe(0);
    expect(event?.costUsd).toBeGreaterThan(0);
  });

  test("streamed answer with events in order", async () => {
    const stream = await client.responses.create({
      model: "gpt-test",
      input: [{ role: "user", content: [{ type: "input_text", text: "Stream ünïcödé ✓" }] }],
      stream: true,
    }, { headers: { "x-client-request-id": "resp-stream-1" } });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);

    const types = events.map((event) => event.type);
    expect(types[0]).toBe("response.created");
    expect(types[1]).toBe("response.in_progress");
    expect(types.at(-1)).toBe("response.completed");
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, i) => i));
    const text = events.map((event) => {
      return event.type === "response.output_text.delta" ? event.delta : "";
    }).join("");
    expect(text).toBe("Echo: Stream ünïcödé ✓");

    const created = events[0];
    const completed = events.at(-1);
    if (created?.type !== "response.created") throw new Error("no response.created");
    if (completed?.type !== "response.completed") throw new Error("no response.completed");
    expect(created.response.model).toBe("gpt-test");
    expect(completed.response.model).toBe("gpt-test");

    const [event] = await eventsFor("resp-stream-1");
    expect(await eventsFor("resp-stream-1")).toHaveLength(1);
    expect(event?.stream).toBe(true);
    expect(event?.inputTokens).toBe(completed.response.usage?.input_tokens ?? -1);
    expect(event?.outputTokens).toBe(completed.response.usage?.output_tokens ?? -1);
    expect(event?.ttftMs).not.toBeNull();
    expect(event?.detail.usage_estimated).toBeUndefined();
  });

  test("stream helper accumulates the final response", async () => {
    const stream = client.responses.stream({ model: "gpt-test", input: "Accumulate me" });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe("Echo: Accumulate me");
    expect(final.model).toBe("gpt-test");
  });

  test("function call round trip", async () => {
    const first = await client.responses.create({
      model: "gpt-test",
      input: "What is 6 times 7?",
      tools: [multiply],
    });
    const call = first.output.find((item) => item.type === "function_call");
    if (call?.type !== "function_call") throw new Error("no function call");
    expect(call.name).toBe("multiply");
    expect(JSON.parse(call.arguments)).toEqual({ a: 1, b: 1 });

    const second = await client.responses.create({
      model: "gpt-test",
      input: [
        { role: "user", content: "What is 6 times 7?" },
        call,
        { type: "function_call_output", call_id: call.call_id, output: "42" },
      ],
      tools: [multiply],
    });
    expect(second.output_text).toBe("Echo: 42");
    const sent = lastUpstream().body.input as Record<string, unknown>[];
    expect(sent[1]).toEqual(JSON.parse(JSON.stringify(call)));
    expect(sent[2]).toEqual({ type: "function_call_output", call_id: call.call_id, output: "42" });
  });

  test("streamed function call", async () => {
    const stream = await client.responses.create({
      model: "gpt-test",
      input: "Multiply please",
      tools: [multiply],
      tool_choice: { type: "function", name: "multiply" },
      stream: true,
    });
    let args = "";
    let done: ResponseStreamEvent | undefined;
    for await (const event of stream) {
      if (event.type === "response.function_call_arguments.delta") args += event.delta;
      if (event.type === "response.function_call_arguments.done") done = event;
    }
    expect(JSON.parse(args)).toEqual({ a: 1, b: 1 });
    if (done?.type !== "response.function_call_arguments.done") throw new Error("no done event");
    expect(done.arguments).toBe(args);
  });

  test("reasoning items kept across turns", async () => {
    const first = await client.responses.create({
      model: "gpt-test",
      input: "Think first",
      reasoning: { effort: "low" },
      store: false,
      include: ["reasoning.encrypted_content"],
    }, { headers: { "x-client-request-id": "resp-reasoning-1" } });
    const reasoning = first.output.find((item) => item.type === "reasoning");
    if (reasoning?.type !== "reasoning") throw new Error("no reasoning item");
    expect(reasoning.encrypted_content).toStartWith("gAAAAB");
    expect(reasoning.summary[0]?.text).toBe("The user wrote: Think first");
    const [event] = await eventsFor("resp-reasoning-1");
    expect(event?.reasoningTokens).toBe(first.usage?.output_tokens_details.reasoning_tokens ?? -1);
    expect(event?.reasoningTokens).toBeGreaterThan(0);

    const message = first.output.find((item) => item.type === "message");
    await client.responses.create({
      model: "gpt-test",
      input: [
        { role: "user", content: "Think first" },
        reasoning,
        ...(message === undefined ? [] : [message]),
        { role: "user", content: "And again" },
      ],
      reasoning: { effort: "low" },
    });
    const sent = lastUpstream().body.input as Record<string, unknown>[];
    expect(sent[1]).toEqual(JSON.parse(JSON.stringify(reasoning)));
  });

  test("streamed reasoning events relayed", async () => {
    const stream = await client.responses.create({
      model: "gpt-test",
      input: "Reason in a stream",
      reasoning: { effort: "medium" },
      stream: true,
    });
    let summary = "";
    let item: ResponseStreamEvent | undefined;
    for await (const event of stream) {
      if (event.type === "response.reasoning_summary_text.delta") summary += event.delta;
      if (event.type === "response.output_item.done" && event.item.type === "reasoning") {
        item = event;
      }
    }
    expect(summary).toBe("The user wrote: Reason in a stream");
    if (item?.type !== "response.output_item.done" || item.item.type !== "reasoning") {
      throw new Error("no reasoning item");
    }
    expect(item.item.encrypted_content).toStartWith("gAAAAB");
  });
});
