import Anthropic from "@anthropic-ai/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;
let client: Anthropic;

beforeAll(async () => {
  harness = await startHarness();
  key = await harness.createKey();
  client = new Anthropic({ baseURL: harness.gateway.url, apiKey: key, maxRetries: 0 });
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

function parseEvents(text: string): SseEvent[] {
  return text.split("\n\n").filter((block) => block.startsWith("event: ")).map((block) => {
    const [eventLine = "", dataLine = ""] = block.split("\n");
    return {
      event: eventLine.slice("event: ".length),
      data: JSON.parse(dataLine.slice("data: ".length)) as Record<string, unknown>,
    };
  });
}

interface AnthropicErrorBody {
  type: string;
  error: { type: string; message: string; details: { error_code: string; param?: string } };
  request_id: string;
}

/** Counts the traffic events stored for a client request id. */
async function eventsFor(clientRequestId: string): Promise<number> {
  await harness.gateway.context.eventWriter.flush();
  return (await harness.gateway.context.events.list({ limit: 10, clientRequestId })).length;
}

const minimal = { model: "gpt-test", max_tokens: 16, messages: [{ role: "user", content: "x" }] };

describe("upstream failures in Anthropic's shape", () => {
  test("429 keeps retry-after", async () => {
    harness.simulator.enqueue({ status: 429, headers: { "retry-after": "17" } });
    const failure = await client.messages.create(minimal as Anthropic.MessageCreateParams)
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(Anthropic.RateLimitError);
    const apiError = failure as InstanceType<typeof Anthropic.RateLimitError>;
    expect(apiError.status).toBe(429);
    expect(apiError.headers?.get("retry-after")).toBe("17");
    expect(apiError.type).toBe("rate_limit_error");
    expect(apiError.errorCode).toBe("upstream_rate_limited");
    expect(apiError.requestID).toMatch(/^req_/);
    const event = await harness.event(apiError.requestID ?? "");
    expect(event?.status).toBe(429);
    expect(event?.errorCode).toBe("upstream_rate_limited");
  });

  test("429 on a stream is an HTTP error", async () => {
    harness.simulator.enqueue({ status: 429, headers: { "retry-after": "3" } });
    const response = await post({ ...minimal, stream: true });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
    const body = (await response.json()) as AnthropicErrorBody;
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("rate_limit_error");
    expect(body.error.details.error_code).toBe("upstream_rate_limited");
    expect(body.request_id).toBe(response.headers.get("request-id") ?? "");
  });

  test("upstream 500 maps to api_error", async () => {
    harness.simulator.enqueue({ status: 500 });
    const failure = await client.messages.create(minimal as Anthropic.MessageCreateParams)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.InternalServerError);
    const apiError = failure as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.type as string | null).toBe("api_error");
    expect(apiError.errorCode).toBe("upstream_error");
  });

  test("cut before the first chunk is an HTTP error", async () => {
    harness.simulator.enqueue({ cutAfterEvents: 0 });
    const response = await post({ ...minimal, stream: true });
    expect(response.status).toBe(502);
    const body = (await response.json()) as AnthropicErrorBody;
    expect(body.error.type).toBe("api_error");
    expect(body.error.details.error_code).toBe("upstream_unreachable");
  });

  test("cut mid-stream ends with an error event", async () => {
    harness.simulator.enqueue({ cutAfterEvents: 3 });
    const response = await post({
      model: "gpt-test",
      max_tokens: 256,
      stream: true,
      messages: [{ role: "user", content: "a long answer please, long enough to stream" }],
    }, { "x-client-request-id": "cut-mid-stream" });
    expect(response.status).toBe(200);
    const events = parseEvents(await response.text());
    const types = events.map((event) => event.event);

    expect(types[0]).toBe("message_start");
    expect(types).toContain("content_block_delta");
    expect(types).not.toContain("message_delta");
    expect(types).not.toContain("message_stop");
    expect(types.at(-1)).toBe("error");
    const error = events.at(-1)?.data as unknown as AnthropicErrorBody;
    expect(error.type).toBe("error");
    expect(error.error.type).toBe("api_error");
    expect(error.error.details.error_code).toBe("upstream_stream_cut");
    expect(error.request_id).toBe(response.headers.get("request-id") ?? "");

    const event = await harness.event(response.headers.get("request-id") ?? "");
    expect(event?.status).toBe(502);
    expect(event?.errorCode).toBe("upstream_stream_cut");
    expect(event?.detail.failed_mid_stream).toBe(true);
    expect(event?.outputTokens).toBeGreaterThan(0);
    expect(await eventsFor("cut-mid-stream")).toBe(1);
  });

  test("cut mid-stream raises in the SDK", async () => {
    harness.simulator.enqueue({ cutAfterEvents: 3 });
    const stream = client.messages.stream({
      model: "gpt-test",
      max_tokens: 256,
      messages: [{ role: "user", content: "a long answer please, long enough to stream" }],
    });
    const failure = await stream.finalMessage().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect(String(failure)).toContain("stream ended early");
    expect(String(failure)).not.toContain("[DONE]");
  });
});

const badBodies: {
  name: string;
  body: unknown;
  code: string;
  param?: string;
  message?: string;
}[] = [
  { name: "malformed JSON", body: '{"model": "gpt-test", "messages": [', code: "invalid_json" },
  { name: "missing max_tokens", body: { model: "gpt-test", messages: [{ role: "user",
    content: "x" }] }, code: "invalid_request", param: "max_tokens" },
  { name: "content not string or blocks", body: { ...minimal, messages: [{ role: "user",
    content: 42 }] }, code: "invalid_request", param: "messages.0.content" },
  { name: "system role in messages", body: { ...minimal, messages: [{ role: "system",
    content: "x" }] }, code: "invalid_request", param: "messages.0.role" },
  { name: "temperature not a number", body: { ...minimal, temperature: "hot" },
    code: "invalid_request", param: "temperature" },
  { name: "temperature above 1", body: { ...minimal, temperature: 1.5 },
    code: "invalid_request", param: "temperature" },
  { name: "unknown field", body: { ...minimal, frobnicate: true }, code: "unknown_parameter",
    param: "frobnicate" },
  { name: "unknown tool_choice", body: { ...minimal, tool_choice: { type: "maybe" } },
    code: "invalid_request", param: "tool_choice" },
  { name: "thinking budget below 1024",
    body: { ...minimal, thinking: { type: "enabled", budget_tokens: 100 } },
    code: "invalid_request", param: "thinking.budget_tokens" },
  { name: "thinking budget over max_tokens",
    body: { ...minimal, max_tokens: 2000, thinking: { type: "enabled", budget_tokens: 2000 } },
    code: "invalid_request", param: "thinking.budget_tokens" },
  { name: "tool_use in a user turn", body: { ...minimal, messages: [{ role: "user", content: [
    { type: "tool_use", id: "t1", name: "f", input: {} }] }] },
    code: "invalid_request", param: "messages.0.content.0.type" },
  { name: "tool_use input not an object", body: { ...minimal, messages: [
    { role: "user", content: "x" },
    { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: "{}" }] },
  ] }, code: "invalid_request", param: "messages.1.content.0.input" },
  { name: "text block without text", body: { ...minimal, messages: [{ role: "user",
    content: [{ type: "text" }] }] }, code: "invalid_request",
    param: "messages.0.content.0.text" },
  { name: "image of unknown type", body: { ...minimal, messages: [{ role: "user", content: [
    { type: "image", source: { type: "base64", media_type: "image/bmp", data: "AAAA" } }] }] },
    code: "invalid_request", param: "messages.0.content.0.source.media_type" },
  { name: "tool without input_schema", body: { ...minimal, tools: [{ name: "f" }] },
    code: "invalid_request", param: "tools.0.input_schema" },
  { name: "top_k for OpenAI", body: { ...minimal, top_k: 5 }, code: "unsupported_parameter",
    param: "top_k" },
  { name: "server tool", body: { ...minimal, tools: [{ type: "web_search_20250305",
    name: "web_search" }] }, code: "unsupported_parameter", param: "tools.0.type" },
  { name: "PDF by URL", body: { ...minimal, messages: [{ role: "user", content: [
    { type: "document", source: { type: "url", url: "https://example.com/a.pdf" } }] }] },
    code: "unsupported_parameter", param: "messages.0.content.0.source" },
];

describe("bad requests in Anthropic's shape", () => {
  for (const c of badBodies) {
    test(c.name, async () => {
      const response = await post(c.body);
      expect(response.status).toBe(400);
      const requestId = response.headers.get("request-id") ?? "";
      expect(requestId).toMatch(/^req_/);
      const body = (await response.json()) as AnthropicErrorBody;
      expect(body.type).toBe("error");
      expect(body.error.type).toBe("invalid_request_error");
      expect(body.error.details.error_code).toBe(c.code);
      expect(body.error.details.param).toBe(c.param);
      expect(body.request_id).toBe(requestId);
      expect(harness.simulator.requests).toHaveLength(0);
      expect((await harness.event(requestId))?.status).toBe(400);
    });
  }

  test("SDK raises BadRequestError", async () => {
    const failure = await client.messages
      .create({ ...minimal, top_k: 3 } as Anthropic.MessageCreateParams)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.BadRequestError);
    const apiError = failure as InstanceType<typeof Anthropic.BadRequestError>;
    expect(apiError.errorCode).toBe("unsupported_parameter");
    expect(apiError.message).toContain("top_k");
  });
});

describe("traffic events", () => {
  const cases = [
    { name: "JSON answer", body: minimal },
    { name: "streamed answer", body: { ...minimal, stream: true } },
    { name: "rejected request", body: { ...minimal, top_k: 1 } },
  ];
  for (const c of cases) {
    test(`one event for a ${c.name}`, async () => {
      const clientId = `one-event-${c.name.replaceAll(" ", "-")}`;
      const response = await post(c.body, { "x-client-request-id": clientId });
      await response.text();
      const event = await harness.event(response.headers.get("request-id") ?? "");
      expect(event?.clientRequestId).toBe(clientId);
      expect(event?.route).toBe("/v1/messages");
      expect(await eventsFor(clientId)).toBe(1);
      if (response.status === 200) {
        expect(event?.inputTokens).toBeGreaterThan(0);
        expect(event?.outputTokens).toBeGreaterThan(0);
        expect(event?.detail.usage_estimated).toBeUndefined();
      }
    });
  }
});
