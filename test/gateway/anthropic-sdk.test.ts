import Anthropic from "@anthropic-ai/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { eventually, type Harness, SIMULATOR_KEY_ENV, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;
let client: Anthropic;
beforeAll(async () => {
  harness = await startHarness();
  key = await harness.createKey({ project: "messages" });
  client = clientWith(key);
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

function clientWith(apiKey: string): Anthropic {
  return new Anthropic({ baseURL: harness.gateway.url, apiKey, maxRetries: 0 });
}

/** Returns the request the simulator received last, as the Anthropic upstream saw it. */
function lastUpstream() {
  const last = harness.simulator.requests.at(-1);
  expect(last?.provider).toBe("anthropic");
  return { headers: last?.headers ?? {}, body: last?.body as Record<string, unknown> };
}

/** Sends a minimal message through the SDK and returns the error it raised (or the message). */
function sendMinimalMessage(): Promise<unknown> {
  return client.messages
    .create({ model: "claude-test", max_tokens: 16, messages: [{ role: "user", content: "x" }] })
    .catch((error: unknown) => error);
}

/** Sends a raw request, for what the SDK cannot send or hides (bad JSON, raw SSE). */
function post(body: BodyInit, headers: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(`${harness.gateway.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json", ...headers },
    body,
    signal,
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

const MESSAGE_START = {
  type: "message_start",
  message: {
    id: "msg_test", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929",
    content: [], stop_reason: null, stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 1 },
  },
};
const OVERLOADED_EVENT = {
  type: "error",
  error: { type: "overloaded_error", message: "Overloaded" },
};

/** Frames events as an Anthropic SSE body, for streams the simulator does not make itself. */
function sse(events: { type: string }[]): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join("");
}

const weatherTool = {
  name: "get_weather",
  description: "Current weather for a city",
  input_schema: {
    type: "object" as const,
    properties: { city: { type: "string" } },
    required: ["city"],
  },
};


/** Raw bodies are served as text/plain unless the behaviour names the stream type. */
const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8" };

describe("Anthropic SDK through Nexus", () => {
  test("plain message", async () => {
    const { data: message, response } = await client.messages
      .create({
        model: "claude-test",
        max_tokens: 64,
        system: "Be brief.",
        metadata: { user_id: "user-42" },
        messages: [{ role: "user", content: "Hello there" }],
      })
      .withResponse();
    expect(message.type).toBe("message");
    expect(message.model).toBe("claude-test");
    const first = message.content[0];
    expect(first?.type).toBe("text");
    expect(first?.type === "text" ? first.text : "").toContain("Hello there");
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);

    const requestId = response.headers.get("x-request-id") ?? "";
    expect(response.headers.get("request-id")).toBe(requestId);
    const event = await harness.event(requestId);
    expect(event?.route).toBe("/v1/messages");
    expect(event?.status).toBe(200);
    expect(event?.provider).toBe("anthropic");
    expect(event?.project).toBe("messages");
    expect(event?.model).toBe("claude-test");
    expect(event?.upstreamModel).toBe("claude-sonnet-4-5-20250929");
    expect(event?.inputTokens).toBe(message.usage.input_tokens);
    expect(event?.outputTokens).toBe(message.usage.output_tokens);
    expect(event?.costUsd).toBeGreaterThan(0);
  });

  test("body reaches the provider unchanged except model", async () => {
    const sent = {
      model: "claude",
      max_tokens: 32,
      system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
      temperature: 0.3,
      top_k: 5,
      metadata: { user_id: "user-42" },
      messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
    };
    const response = await post(JSON.stringify(sent), {
      "anthropic-version": "2023-01-01",
      "anthropic-beta": "prompt-caching-2024-07-31",
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { model: string }).model).toBe("claude");

    const upstream = lastUpstream();
    expect(upstream.body).toEqual({ ...sent, model: "claude-sonnet-4-5-20250929" });
    expect(upstream.headers["x-api-key"]).toBe(process.env[SIMULATOR_KEY_ENV] ?? "");
    expect(upstream.headers["anthropic-version"]).toBe("2023-01-01");
    expect(upstream.headers["anthropic-beta"]).toBe("prompt-caching-2024-07-31");
    expect(upstream.headers.authorization).toBeUndefined();
  });

  test("anthropic-version defaults when the client sends none", async () => {
    const response = await post(JSON.stringify({
      model: "claude-test", max_tokens: 16, messages: [{ role: "user", content: "hi" }],
    }));
    expect(response.status).toBe(200);
    const upstream = lastUpstream();
    expect(upstream.headers["anthropic-version"]).toBe("2023-06-01");
    expect(upstream.headers["anthropic-beta"]).toBeUndefined();
  });

  test("bearer token authenticates too", async () => {
    const bearer = new Anthropic({ baseURL: harness.gateway.url, authToken: key, maxRetries: 0 });
    const message = await bearer.messages.create({
      model: "claude-test",
      max_tokens: 16,
      messages: [{ role: "user", content: "bearer" }],
    });
    expect(message.model).toBe("claude-test");
    expect(lastUpstream().headers["x-api-key"]).toBe(process.env[SIMULATOR_KEY_ENV] ?? "");
  });

  test("streamed message with the stream helper", async () => {
    const stream = client.messages.stream({
      model: "claude-test",
      max_tokens: 256,
      messages: [{ role: "user", content: "Stream me a reply, with ünïcödé ✓" }],
    });
    let text = "";
    stream.on("text", (delta) => {
      text += delta;
    });
    const message = await stream.finalMessage();
    expect(text).toContain("ünïcödé ✓");
    expect(message.model).toBe("claude-test");
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.output_tokens).toBeGreaterThan(1);

    const requestId = stream.request_id ?? "";
    const event = await harness.event(requestId);
    expect(event?.stream).toBe(true);
    expect(event?.status).toBe(200);
    expect(event?.inputTokens).toBe(message.usage.input_tokens);
    expect(event?.outputTokens).toBe(message.usage.output_tokens);
    expect(event?.ttftMs).not.toBeNull();
    expect(event?.detail.usage_estimated).toBeUndefined();
  });

  test("streamed message with create", async () => {
    const stream = await client.messages.create({
      model: "claude-test",
      max_tokens: 256,
      messages: [{ role: "user", content: "raw events please" }],
      stream: true,
    });
    const types: string[] = [];
    let text = "";
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "message_start") expect(event.message.model).toBe("claude-test");
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
        text += event.delta.text;
      }
    }
    expect(types[0]).toBe("message_start");
    expect(types.at(-1)).toBe("message_stop");
    expect(types).toContain("message_delta");
    expect(text).toContain("raw events please");
  });

  test("tool use comes back with its input", async () => {
    const message = await client.messages.create({
      model: "claude-test",
      max_tokens: 256,
      tools: [weatherTool],
      tool_choice: { type: "tool", name: "get_weather" },
      messages: [{ role: "user", content: "Weather in Paris?" }],
    });
    expect(message.stop_reason).toBe("tool_use");
    const block = message.content.find((part) => part.type === "tool_use");
    expect(block?.type).toBe("tool_use");
    if (block?.type !== "tool_use") throw new Error("expected a tool_use block");
    expect(block.name).toBe("get_weather");
    expect(block.input).toHaveProperty("city");
    expect(lastUpstream().body.tools).toEqual([weatherTool]);
  });

  test("thinking passes through with its signature", async () => {
    const request = {
      model: "claude-test",
      max_tokens: 2048,
      thinking: { type: "enabled" as const, budget_tokens: 1024 },
      messages: [{ role: "user" as const, content: "Think about 2+2" }],
    };
    const message = await client.messages.create(request);
    const thinking = message.content.find((part) => part.type === "thinking");
    if (thinking?.type !== "thinking") throw new Error("expected a thinking block");
    expect(thinking.thinking.length).toBeGreaterThan(0);
    expect(thinking.signature.length).toBeGreaterThan(0);
    expect(lastUpstream().body.thinking).toEqual(request.thinking);

    const streamed = await client.messages.stream(request).finalMessage();
    const block = streamed.content.find((part) => part.type === "thinking");
    if (block?.type !== "thinking") throw new Error("expected a streamed thinking block");
    expect(block.signature).toBe(thinking.signature);
  });
});

const sdkErrors = [
  { name: "wrong key", apiKey: "nx-wrong", model: "claude-test", status: 401,
    errorClass: Anthropic.AuthenticationError, type: "authentication_error",
    code: "invalid_api_key" },
  { name: "model outside scope", scope: ["gpt-*"], model: "claude-test", status: 403,
    errorClass: Anthropic.PermissionDeniedError, type: "permission_error",
    code: "model_not_allowed" },
  { name: "unknown model", model: "claude-nope", status: 404,
    errorClass: Anthropic.NotFoundError, type: "not_found_error", code: "model_not_found" },
];

describe("errors in the Anthropic shape", () => {
  for (const c of sdkErrors) {
    test(c.name, async () => {
      const apiKey = c.apiKey ?? (c.scope ? await harness.createKey({ models: c.scope }) : key);
      const failure = await clientWith(apiKey).messages
        .create({ model: c.model, max_tokens: 16, messages: [{ role: "user", content: "x" }] })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(c.errorClass);
      const apiError = failure as InstanceType<typeof Anthropic.APIError>;
      expect(apiError.status).toBe(c.status);
      expect(apiError.type as string | null).toBe(c.type);
      expect(apiError.errorCode).toBe(c.code);
      expect(apiError.requestID).toMatch(/^req_/);
      expect((await harness.event(apiError.requestID ?? ""))?.errorCode).toBe(c.code);
    });
  }

  test("OpenAI-format model is translated, not rejected", async () => {
    const response = await post(JSON.stringify({
      model: "gpt-test", max_tokens: 16, messages: [{ role: "user", content: "x" }],
    }));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { type: string; model: string };
    expect(body.type).toBe("message");
    expect(body.model).toBe("gpt-test");
    expect(harness.simulator.requests.at(-1)?.provider).toBe("openai");
  });

  const badBodies = [
    { name: "malformed JSON", body: '{"model": "claude-test", "messages": [', status: 400,
      type: "invalid_request_error", code: "invalid_json" },
    { name: "JSON array", body: "[1]", status: 400, type: "invalid_request_error",
      code: "invalid_request" },
    { name: "missing max_tokens", body: '{"model":"claude-test","messages":[{}]}', status: 400,
      type: "invalid_request_error", code: "invalid_request", param: "max_tokens" },
    { name: "max_tokens zero",
      body: '{"model":"claude-test","max_tokens":0,"messages":[{}]}', status: 400,
      type: "invalid_request_error", code: "invalid_request", param: "max_tokens" },
    { name: "empty messages", body: '{"model":"claude-test","max_tokens":8,"messages":[]}',
      status: 400, type: "invalid_request_error", code: "invalid_request", param: "messages" },
    { name: "stream not boolean",
      body: '{"model":"claude-test","max_tokens":8,"messages":[{}],"stream":"yes"}',
      status: 400, type: "invalid_request_error", code: "invalid_request", param: "stream" },
    { name: "body over the limit", body: `{"pad":"${"x".repeat(1024 * 1024)}"}`, status: 413,
      type: "request_too_large", code: "body_too_large" },
  ];
  for (const c of badBodies) {
    test(c.name, async () => {
      const response = await post(c.body);
      expect(response.status).toBe(c.status);
      const requestId = response.headers.get("x-request-id") ?? "";
      expect(response.headers.get("request-id")).toBe(requestId);
      const body = (await response.json()) as AnthropicErrorBody;
      expect(body.type).toBe("error");
      expect(body.error.type).toBe(c.type);
      expect(body.error.details.error_code).toBe(c.code);
      expect(body.error.details.param).toBe(c.param);
      if (c.param !== undefined) expect(body.error.message).toContain(c.param);
      expect(body.request_id).toBe(requestId);
      expect((await harness.event(requestId))?.status).toBe(c.status);
    });
  }
});

describe("upstream failures", () => {
  test("429 keeps retry-after", async () => {
    harness.simulator.enqueue({
      status: 429,
      body: { type: "error", error: { type: "rate_limit_error", message: "slow down" } },
      headers: { "retry-after": "17" },
    });
    const failure = await sendMinimalMessage();
    expect(failure).toBeInstanceOf(Anthropic.RateLimitError);
    const apiError = failure as InstanceType<typeof Anthropic.RateLimitError>;
    expect(apiError.headers?.get("retry-after")).toBe("17");
    expect(apiError.type).toBe("rate_limit_error");
    expect(apiError.message).toContain("slow down");
    expect(apiError.errorCode).toBe("upstream_rate_limited");
  });

  // Anthropic sends 529 for overload and its SDK raises OverloadedError for it, so the route
  // keeps 529 where the chat route sends 503.
  const statusCases = [
    { status: 529, type: "overloaded_error", errorClass: Anthropic.OverloadedError,
      expectStatus: 529, code: "upstream_overloaded" },
    { status: 402, type: "billing_error", errorClass: Anthropic.PaymentRequiredError,
      expectStatus: 402, code: "upstream_bad_request" },
    { status: 400, type: "invalid_request_error", errorClass: Anthropic.BadRequestError,
      expectStatus: 400, code: "upstream_bad_request" },
    { status: 500, type: "api_error", errorClass: Anthropic.InternalServerError,
      expectStatus: 500, code: "upstream_error" },
  ];
  for (const c of statusCases) {
    test(`upstream ${c.status} keeps ${c.type}`, async () => {
      harness.simulator.enqueue({
        status: c.status,
        body: { type: "error", error: { type: c.type, message: `simulated ${c.type}` } },
      });
      const failure = await sendMinimalMessage();
      expect(failure).toBeInstanceOf(c.errorClass);
      const apiError = failure as InstanceType<typeof Anthropic.APIError>;
      expect(apiError.status).toBe(c.expectStatus);
      expect(apiError.type as string | null).toBe(c.type);
      expect(apiError.errorCode).toBe(c.code);
      expect(apiError.message).toContain(`simulated ${c.type}`);
      const event = await harness.event(apiError.requestID ?? "");
      expect(event?.status).toBe(c.expectStatus);
      expect(event?.errorCode).toBe(c.code);
    });
  }

  test("cut stream raises in the SDK", async () => {
    harness.simulator.enqueue({ cutAfterEvents: 5 });
    const stream = await client.messages.create({
      model: "claude-test",
      max_tokens: 256,
      messages: [{ role: "user", content: "a long answer please" }],
      stream: true,
    });
    const seen: string[] = [];
    const consume = async () => {
      for await (const event of stream) seen.push(event.type);
    };
    await expect(consume()).rejects.toThrow(/stream ended/);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).not.toContain("message_stop");
  });

  test("cut stream ends with an error event", async () => {
    harness.simulator.enqueue({ cutAfterEvents: 4 });
    const response = await post(JSON.stringify({
      model: "claude-test", max_tokens: 256, stream: true,
      messages: [{ role: "user", content: "a long answer please" }],
    }));
    expect(response.status).toBe(200);
    const events = parseEvents(await response.text());
    expect(events.map((e) => e.event)).not.toContain("message_stop");
    expect(events).toHaveLength(5);
    const last = events.at(-1) as { event: string; data: unknown };
    expect(last.event).toBe("error");
    const error = last.data as AnthropicErrorBody;
    expect(error.type).toBe("error");
    expect(error.error.type).toBe("api_error");
    expect(error.error.details.error_code).toBe("upstream_stream_cut");
    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.status).toBe(502);
    expect(event?.errorCode).toBe("upstream_stream_cut");
    expect(event?.detail.failed_mid_stream).toBe(true);
  });

  test("client abort cancels the upstream request", async () => {
    harness.simulator.enqueue({ hangAfterEvents: 3 });
    const controller = new AbortController();
    const response = await post(JSON.stringify({
      model: "claude-test", max_tokens: 256, stream: true,
      messages: [{ role: "user", content: "hang on" }],
    }), {}, controller.signal);
    expect(response.status).toBe(200);
    await response.body?.getReader().read();
    controller.abort();

    await eventually(() => (harness.simulator.disconnects > 0 ? true : undefined));
    const requestId = response.headers.get("x-request-id") ?? "";
    const event = await eventually(() => harness.event(requestId));
    expect(event.status).toBe(499);
    expect(event.errorCode).toBe("client_disconnected");
  });
  test("upstream answer that is not JSON is 502", async () => {
    harness.simulator.enqueue({ status: 200, body: "<html>proxy page</html>" });
    const failure = await sendMinimalMessage();
    expect(failure).toBeInstanceOf(Anthropic.InternalServerError);
    const apiError = failure as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(502);
    expect(apiError.type as string | null).toBe("api_error");
    expect(apiError.errorCode).toBe("upstream_invalid_response");
  });

  test("error event before any content is an HTTP error", async () => {
    harness.simulator.enqueue({ status: 200, body: sse([OVERLOADED_EVENT]), headers: SSE_HEADERS });
    const failure = await client.messages
      .create({ model: "claude-test", max_tokens: 16, stream: true,
        messages: [{ role: "user", content: "x" }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.OverloadedError);
    const apiError = failure as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(529);
    expect(apiError.errorCode).toBe("upstream_overloaded");
  });

  test("error event mid-stream is relayed, never message_stop", async () => {
    const body = sse([MESSAGE_START, OVERLOADED_EVENT]);
    harness.simulator.enqueue({ status: 200, body, headers: SSE_HEADERS });
    const response = await post(JSON.stringify({
      model: "claude-test", max_tokens: 64, stream: true,
      messages: [{ role: "user", content: "x" }],
    }));
    expect(response.status).toBe(200);
    const events = parseEvents(await response.text());
    expect(events.map((e) => e.event)).toEqual(["message_start", "error"]);
    const message = events[0]?.data.message as { model: string };
    expect(message.model).toBe("claude-test");
    const error = events[1]?.data as unknown as AnthropicErrorBody;
    expect(error.error.type).toBe("overloaded_error");
    expect(error.error.message).toContain("Overloaded");
    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.errorCode).toBe("upstream_overloaded");
    expect(event?.status).toBe(529);
  });

  test("silent upstream mid-stream times out", async () => {
    harness.simulator.enqueue({ hangAfterEvents: 3 });
    const response = await post(JSON.stringify({
      model: "claude-test", max_tokens: 256, stream: true,
      messages: [{ role: "user", content: "then silence" }],
    }));
    const events = parseEvents(await response.text());
    expect(events.map((e) => e.event)).not.toContain("message_stop");
    const last = events.at(-1)?.data as unknown as AnthropicErrorBody;
    expect(last.error.type).toBe("timeout_error");
    expect(last.error.details.error_code).toBe("upstream_timeout");
    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.status).toBe(504);
    expect(event?.errorCode).toBe("upstream_timeout");
  }, 5000);

  test("split and gzipped upstream keeps UTF-8 whole", async () => {
    for (const behaviour of [{ splitWrites: 2 }, { splitWrites: 5, gzip: true }]) {
      harness.simulator.enqueue(behaviour);
      const stream = client.messages.stream({
        model: "claude-test",
        max_tokens: 256,
        messages: [{ role: "user", content: "日本語 — ünïcödé" }],
      });
      const text = await stream.finalText();
      expect(text).toContain("日本語 — ünïcödé");
      expect(text).not.toContain("\uFFFD");
    }
  });
});
