import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let apiKey: string;
let client: OpenAI;
beforeAll(async () => {
  harness = await startHarness();
  apiKey = await harness.createKey({ project: "responses" });
  client = new OpenAI({ baseURL: `${harness.gateway.url}/v1`, apiKey, maxRetries: 0 });
});
afterAll(async () => {
  await harness.close();
});
beforeEach(() => {
  harness.simulator.reset();
});

/** Returns the Anthropic Messages request the simulator received last. */
function lastUpstream(): Record<string, unknown> {
  const last = harness.simulator.requests.at(-1);
  expect(last?.provider).toBe("anthropic");
  return last?.body as Record<string, unknown>;
}

function post(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/responses`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const multiply = {
  type: "function" as const,
  name: "multiply",
  description: "Multiply two integers.",
  parameters: {
    type: "object",
    properties: { a: { type: "integer" }, b: { type: "integer" } },
    required: ["a", "b"],
  },
  strict: false,
};

describe("Responses translated for an Anthropic model", () => {
  test("JSON answer from instructions and input", async () => {
    const { data, response } = await client.responses
      .create({
        model: "claude-test",
        instructions: "Be brief.",
        input: "Hello there",
        max_output_tokens: 300,
        temperature: 0.2,
        metadata: { team: "search" },
      })
      .withResponse();
    expect(data.object).toBe("response");
    expect(data.id).toStartWith("resp_");
    expect(data.model).toBe("claude-test");
    expect(data.status).toBe("completed");
    expect(data.output_text).toBe("Echo: Hello there");
    expect(data.output).toHaveLength(1);
    expect(data.output[0]?.type).toBe("message");
    expect(data.instructions).toBe("Be brief.");
    expect(data.max_output_tokens).toBe(300);
    expect(data.metadata).toEqual({ team: "search" });
    expect(data.usage?.input_tokens).toBeGreaterThan(0);
    expect(data.usage?.total_tokens).toBe(
      (data.usage?.input_tokens ?? 0) + (data.usage?.output_tokens ?? 0));

    const upstream = lastUpstream();
    expect(upstream.model).toBe("claude-sonnet-4-5-20250929");
    expect(JSON.stringify(upstream.system)).toContain("Be brief.");
    expect(upstream.max_tokens).toBe(300);
    expect(upstream.temperature).toBe(0.2);
    expect(upstream.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Hello there" }] },
    ]);

    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.route).toBe("/v1/responses");
    expect(event?.provider).toBe("anthropic");
    expect(event?.status).toBe(200);
    expect(event?.inputTokens).toBe(data.usage?.input_tokens ?? -1);
    expect(event?.outputTokens).toBe(data.usage?.output_tokens ?? -1);
    expect(event?.costUsd).toBeGreaterThan(0);
  });

  test("streamed text as Responses events", async () => {
    const { data: stream, response } = await client.responses
      .create({ model: "claude-test", input: "Stream ünïcödé ✓", stream: true })
      .withResponse();
    const events = await collect(stream);
    expect(events.map((event) => event.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      ...events.filter((event) => event.type === "response.output_text.delta").map(() => {
        return "response.output_text.delta" as const;
      }),
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, i) => i));

    const text = events.map((event) => {
      return event.type === "response.output_text.delta" ? event.delta : "";
    }).join("");
    expect(text).toBe("Echo: Stream ünïcödé ✓");
    const done = events.find((event) => event.type === "response.output_text.done");
    if (done?.type !== "response.output_text.done") throw new Error("no output_text.done");
    expect(done.text).toBe(text);
    const completed = events.at(-1);
    if (completed?.type !== "response.completed") throw new Error("no response.completed");
    expect(completed.response.model).toBe("claude-test");
    expect(completed.response.status).toBe("completed");
    expect(completed.response.output_text ?? text).toBe(text);
    expect(completed.response.usage?.output_tokens).toBeGreaterThan(0);

    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.stream).toBe(true);
    expect(event?.inputTokens).toBe(completed.response.usage?.input_tokens ?? -1);
    expect(event?.outputTokens).toBe(completed.response.usage?.output_tokens ?? -1);
    expect(event?.ttftMs).not.toBeNull();
  });

  test("stream helper accumulates the final response", async () => {
    const stream = client.responses.stream({ model: "claude-test", input: "Accumulate me" });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe("Echo: Accumulate me");
    expect(final.status).toBe("completed");
  });

  test("function call round trip", async () => {
    const first = await client.responses.create({
      model: "claude-test",
      input: "What is 6 times 7?",
      tools: [multiply],
      tool_choice: "required",
    });
    const call = first.output.find((item) => item.type === "function_call");
    if (call?.type !== "function_call") throw new Error("no function call");
    expect(call.name).toBe("multiply");
    expect(call.id).toStartWith("fc_");
    expect(JSON.parse(call.arguments)).toEqual({ a: 1, b: 1 });
    const tools = lastUpstream().tools as Record<string, unknown>[];
    expect(tools[0]?.name).toBe("multiply");
    expect(lastUpstream().tool_choice).toEqual({ type: "any" });

    const second = await client.responses.create({
      model: "claude-test",
      input: [
        { role: "user", content: "What is 6 times 7?" },
        call,
        { type: "function_call_output", call_id: call.call_id, output: "42" },
      ],
      tools: [multiply],
    });
    expect(second.output_text).toBe("Echo: 42");
    const messages = lastUpstream().messages as { role: string; content: unknown[] }[];
    expect(messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
    expect(messages[1]?.content).toEqual([
      { type: "tool_use", id: call.call_id, name: "multiply", input: { a: 1, b: 1 } },
    ]);
    expect(messages[2]?.content[0]).toMatchObject({
      type: "tool_result", tool_use_id: call.call_id,
    });
  });

  test("streamed function call", async () => {
    const events = await collect(await client.responses.create({
      model: "claude-test",
      input: "Multiply please",
      tools: [multiply],
      stream: true,
    }));
    let args = "";
    for (const event of events) {
      if (event.type === "response.function_call_arguments.delta") args += event.delta;
    }
    expect(JSON.parse(args)).toEqual({ a: 1, b: 1 });
    const done = events.find((event) => event.type === "response.function_call_arguments.done");
    if (done?.type !== "response.function_call_arguments.done") throw new Error("no args done");
    expect(done.arguments).toBe(args);
    // The spec requires `name` here, although the SDK's event type leaves it out.
    expect((done as { name?: string }).name).toBe("multiply");
    const added = events.find((event) => event.type === "response.output_item.added");
    if (added?.type !== "response.output_item.added") throw new Error("no item added");
    expect(added.item.type).toBe("function_call");
    expect(added.item.id).toBe(done.item_id);
  });

  test("thinking becomes a reasoning item and goes back", async () => {
    const first = await client.responses.create({
      model: "claude-test",
      input: "Think about this",
      reasoning: { effort: "low" },
    });
    expect(lastUpstream().thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
    expect(first.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
    const reasoning = first.output[0];
    if (reasoning?.type !== "reasoning") throw new Error("no reasoning item");
    expect(reasoning.id).toStartWith("rs_");
    expect(reasoning.summary).toEqual([
      { type: "summary_text", text: "The user wrote: Think about this" },
    ]);
    expect(reasoning.encrypted_content).toStartWith("nexus.reasoning.v1:");

    const message = first.output[1];
    if (message?.type !== "message") throw new Error("no message item");
    await client.responses.create({
      model: "claude-test",
      input: [
        { role: "user", content: "Think about this" },
        reasoning,
        message,
        { role: "user", content: "Go on" },
      ],
      reasoning: { effort: "low" },
    });
    const messages = lastUpstream().messages as { role: string; content: unknown[] }[];
    const thinking = messages[1]?.content[0] as Record<string, unknown>;
    expect(thinking.type).toBe("thinking");
    expect(thinking.thinking).toBe("The user wrote: Think about this");
    expect(typeof thinking.signature).toBe("string");
    expect((thinking.signature as string).length).toBeGreaterThan(20);
    expect(messages[1]?.content[1]).toEqual({ type: "text", text: "Echo: Think about this" });
  });

  test("streamed thinking keeps its signature", async () => {
    const json = await client.responses.create({
      model: "claude-test", input: "Think in a stream", reasoning: { effort: "low" },
    });
    const events = await collect(await client.responses.create({
      model: "claude-test", input: "Think in a stream", reasoning: { effort: "low" }, stream: true,
    }));
    let summary = "";
    for (const event of events) {
      if (event.type === "response.reasoning_summary_text.delta") summary += event.delta;
    }
    expect(summary).toBe("The user wrote: Think in a stream");
    const types = events.map((event) => event.type);
    expect(types.indexOf("response.reasoning_summary_part.added")).toBe(3);
    expect(types).toContain("response.reasoning_summary_text.done");
    expect(types).toContain("response.reasoning_summary_part.done");

    const done = events.find((event) => {
      return event.type === "response.output_item.done" && event.item.type === "reasoning";
    });
    if (done?.type !== "response.output_item.done" || done.item.type !== "reasoning") {
      throw new Error("no reasoning item");
    }
    const fromJson = json.output[0];
    if (fromJson?.type !== "reasoning") throw new Error("no reasoning item in JSON");
    // The signature is a function of the thinking text, so both answers carry the same details.
    expect(done.item.encrypted_content).toBe(fromJson.encrypted_content);
  });

  test("max_output_tokens cut gives an incomplete response", async () => {
    const input = "A long prompt that the simulated model will echo back and must cut short.";
    const json = await client.responses.create({
      model: "claude-test", input, max_output_tokens: 3,
    });
    expect(json.status).toBe("incomplete");
    expect(json.incomplete_details).toEqual({ reason: "max_output_tokens" });

    const events = await collect(await client.responses.create({
      model: "claude-test", input, max_output_tokens: 3, stream: true,
    }));
    const last = events.at(-1);
    expect(last?.type).toBe("response.incomplete");
    if (last?.type !== "response.incomplete") throw new Error("no response.incomplete");
    expect(last.response.incomplete_details).toEqual({ reason: "max_output_tokens" });
  });

  test("json_schema text format reaches the provider", async () => {
    const answer = await client.responses.create({
      model: "claude-test",
      input: "Give me a city",
      text: {
        format: {
          type: "json_schema",
          name: "city",
          schema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
        },
      },
    });
    const tools = lastUpstream().tools as Record<string, unknown>[];
    expect(tools[0]?.name).toBe("city");
    expect(JSON.parse(answer.output_text)).toEqual({ name: expect.any(String) });
  });

  test("unsupported parameters are rejected by name", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ tools: [{ type: "web_search" }] }, "tools[0].type"],
      [{ previous_response_id: "resp_123" }, "previous_response_id"],
      [{ input: [{ type: "item_reference", id: "msg_1" }] }, "input[0].type"],
      [{ tool_choice: { type: "web_search_preview" } }, "tool_choice"],
      [{ reasoning: { effort: "maximal" } }, "reasoning.effort"],
      [{ text: { format: { type: "grammar" } } }, "text.format.type"],
      [{ frobnicate: true }, "frobnicate"],
    ];
    for (const [extra, param] of cases) {
      const response = await post({ model: "claude-test", input: "hi", ...extra });
      expect(response.status).toBe(400);
      const error = (await response.json()).error;
      expect(error.type).toBe("invalid_request_error");
      expect(error.param).toBe(param);
      expect(error.message).toContain(param);
    }
    expect(harness.simulator.requests).toHaveLength(0);
  });

  test("upstream 429 keeps retry-after", async () => {
    harness.simulator.enqueue({ status: 429, headers: { "retry-after": "9" } });
    const response = await post({ model: "claude-test", input: "hi", stream: true });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("9");
    const error = (await response.json()).error;
    expect(error.type).toBe("rate_limit_error");
  });

  test("stream cut ends with an error event", async () => {
    // message_start, content_block_start and two text deltas.
    harness.simulator.enqueue({ cutAfterEvents: 4 });
    const stream = await client.responses.create({
      model: "claude-test", input: "A reply long enough to be cut", stream: true,
    });
    const types: string[] = [];
    let caught: unknown;
    try {
      for await (const event of stream) types.push(event.type);
    } catch (error) {
      caught = error;
    }
    expect(types[0]).toBe("response.created");
    expect(types).toContain("response.output_text.delta");
    expect(types).not.toContain("response.completed");
    expect(caught).toBeInstanceOf(OpenAI.APIError);
    expect((caught as InstanceType<typeof OpenAI.APIError>).code).toBe("upstream_stream_cut");
  });
});
