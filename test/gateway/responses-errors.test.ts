import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let apiKey: string;
let client: OpenAI;
beforeAll(async () => {
  harness = await startHarness();
  apiKey = await harness.createKey();
  client = new OpenAI({ baseURL: `${harness.gateway.url}/v1`, apiKey, maxRetries: 0 });
});
afterAll(async () => {
  await harness.close();
});
beforeEach(() => {
  harness.simulator.reset();
});

const SSE_HEADERS = { "content-type": "text/event-stream" };

function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/responses`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...headers },
    body,
  });
}

function sse(events: Record<string, unknown>[]): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join("");
}

const CREATED = {
  type: "response.created",
  sequence_number: 0,
  response: { id: "resp_1", object: "response", status: "in_progress", model: "gpt-4o-mini" },
};

describe("Responses errors", () => {
  test("upstream 429 keeps retry-after", async () => {
    harness.simulator.enqueue({ status: 429, headers: { "retry-after": "7" } });
    let caught: unknown;
    try {
      await client.responses.create({ model: "gpt-test", input: "hi" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OpenAI.RateLimitError);
    const error = caught as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.status).toBe(429);
    expect(error.headers.get("retry-after")).toBe("7");
    expect(error.code).toBe("upstream_rate_limited");
    expect(error.type).toBe("rate_limit_error");

    const event = await harness.event(error.headers.get("x-request-id") ?? "");
    expect(event?.status).toBe(429);
    expect(event?.errorCode).toBe("upstream_rate_limited");
  });

  test("upstream 429 on a stream request", async () => {
    harness.simulator.enqueue({ status: 429, headers: { "retry-after": "3" } });
    const response = await post(JSON.stringify({ model: "gpt-test", input: "hi", stream: true }));
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect((await response.json()).error.type).toBe("rate_limit_error");
  });

  test("error event before any other becomes HTTP status", async () => {
    const body = sse([{
      type: "error", code: "rate_limit_exceeded", message: "Slow down.", param: null,
      sequence_number: 0,
    }]);
    harness.simulator.enqueue({ status: 200, body, headers: SSE_HEADERS });
    const response = await post(JSON.stringify({ model: "gpt-test", input: "hi", stream: true }));
    expect(response.status).toBe(429);
    const error = (await response.json()).error;
    expect(error.message).toBe("Slow down.");
    expect(error.code).toBe("upstream_rate_limited");
  });

  test("response.failed mid-stream becomes an error event", async () => {
    const failed = {
      type: "response.failed",
      sequence_number: 1,
      response: {
        ...CREATED.response,
        status: "failed",
        error: { code: "server_error", message: "The model crashed." },
      },
    };
    harness.simulator.enqueue({ status: 200, body: sse([CREATED, failed]), headers: SSE_HEADERS });
    const stream = await client.responses.create({ model: "gpt-test", input: "hi", stream: true });
    const types: string[] = [];
    let caught: unknown;
    try {
      for await (const event of stream) types.push(event.type);
    } catch (error) {
      caught = error;
    }
    expect(types).toEqual(["response.created"]);
    expect(caught).toBeInstanceOf(OpenAI.APIError);
    expect((caught as Error).message).toContain("The model crashed.");
  });

  test("stream cut mid-way ends with an error event", async () => {
    // Four opening events, then two text deltas.
    harness.simulator.enqueue({ cutAfterEvents: 6 });
    const body = JSON.stringify({ model: "gpt-test", input: "cut me", stream: true });
    const response = await post(body);
    expect(response.status).toBe(200);
    const events = (await response.text()).trim().split("\n\n");
    expect(events).toHaveLength(7);
    const last = JSON.parse(events[6]?.split("data: ")[1] ?? "{}");
    expect(last.type).toBe("error");
    expect(last.code).toBe("upstream_stream_cut");
    expect(last.sequence_number).toBe(6);

    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.status).toBe(502);
    expect(event?.detail.usage_estimated).toBe(true);
  });

  test("malformed JSON body is a 400 in the OpenAI shape", async () => {
    const response = await post("{\"model\": \"gpt-test\", ");
    expect(response.status).toBe(400);
    const error = (await response.json()).error;
    expect(error.type).toBe("invalid_request_error");
    expect(error.code).toBe("invalid_json");
    expect(typeof error.message).toBe("string");
    expect(harness.simulator.requests).toHaveLength(0);
  });

  test("missing model is a 400 naming it", async () => {
    const response = await post(JSON.stringify({ input: "hi" }));
    expect(response.status).toBe(400);
    expect((await response.json()).error.param).toBe("model");
  });

  test("unknown model is a 404", async () => {
    let caught: unknown;
    try {
      await client.responses.create({ model: "no-such-model", input: "hi" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OpenAI.NotFoundError);
    const error = caught as InstanceType<typeof OpenAI.NotFoundError>;
    expect(error.code).toBe("model_not_found");
    expect(error.param).toBe("model");
  });

  test("GET is a 405", async () => {
    const response = await fetch(`${harness.gateway.url}/v1/responses`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });

  test("each failed request leaves one event", async () => {
    harness.simulator.enqueue({ status: 500 });
    const response = await post(JSON.stringify({ model: "gpt-test", input: "hi" }),
      { "x-client-request-id": "resp-fail-1" });
    expect(response.status).toBe(500);
    await harness.gateway.context.eventWriter.flush();
    const filter = { limit: 10, clientRequestId: "resp-fail-1" };
    const events = await harness.gateway.context.events.list(filter);
    expect(events).toHaveLength(1);
    expect(events[0]?.errorCode).toBe("upstream_error");
  });
});
