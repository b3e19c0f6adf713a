import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { FIXTURES_DIR, fixturesAvailable } from "../support/fixtures.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import {
  checkResponse,
  checkResponseText,
  type ResponseCheck,
} from "../support/openapi/check-response.ts";
import { applySpecExceptions, SPEC_EXCEPTIONS } from "../support/openapi/exceptions.ts";
import { rewriteNullable } from "../support/openapi/nullable.ts";
import type { Operation } from "../support/openapi/operations.ts";
import { checkRecordedRequests } from "../support/openapi/recorded-requests.ts";
import { specsAvailable } from "../support/openapi/spec-files.ts";
import { validateWithSpec } from "../support/openapi/validator.ts";

const MISTRAL_KEY_ENV = "NEXUS_TEST_MISTRAL_KEY";
const MISTRAL_KEY = "mistral-sim-secret";

/** The operations whose shapes the gateway's inbound routes return. */
const CHAT: Operation = { spec: "openai", method: "POST", path: "/chat/completions" };
const EMBEDDINGS: Operation = { spec: "openai", method: "POST", path: "/embeddings" };
const MODELS: Operation = { spec: "openai", method: "GET", path: "/models" };
const RESPONSES: Operation = { spec: "openai", method: "POST", path: "/responses" };
const MESSAGES: Operation = { spec: "anthropic", method: "POST", path: "/v1/messages" };

const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city.",
    parameters: {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
    },
  },
};

const mistralChat = {
  model: "mistral-test",
  messages: [{ role: "user", content: "Weather in Paris?" }],
  tools: [WEATHER_TOOL],
  temperature: 0.3,
};

/** A 1×1 transparent PNG. */
const PIXEL_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

let harness: Harness;
let key: string;

/**
 * Runs only with the specs present; under CI a missing spec fails here. The harness starts in
 * `beforeAll` so that a skipped run starts nothing.
 */
const run = specsAvailable("openai", "anthropic", "mistral");

beforeAll(async () => {
  if (!run) return;
  process.env[MISTRAL_KEY_ENV] = MISTRAL_KEY;
  harness = await startHarness({
    extra: (simulatorUrl) => ({
      providers: {
        mistral: {
          type: "mistral",
          baseUrl: `${simulatorUrl}/openai/v1`,
          apiKeyEnv: MISTRAL_KEY_ENV,
          timeoutMs: 2000,
        },
      },
      models: {
        "mistral-test": {
          provider: "mistral",
          upstreamModel: "mistral-small-latest",
          price: { inputPerMTok: 0.1, outputPerMTok: 0.3 },
        },
        "mistral-embed-test": {
          provider: "mistral",
          upstreamModel: "mistral-embed",
          kind: "embedding",
          price: { inputPerMTok: 0.1, outputPerMTok: 0 },
        },
      },
    }),
  });
  key = await harness.createKey({ project: "spec-conformance" });
});
afterAll(async () => {
  if (run) await harness.close();
});
beforeEach(() => {
  if (run) harness.simulator.reset();
});

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${harness.gateway.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function postMessages(body: unknown) {
  return post("/v1/messages", body, { "anthropic-version": "2023-06-01" });
}

/** Validates a gateway response and expects it to be of `kind` and to conform. */
async function expectConformant(
  operation: Operation,
  response: Response,
  kind: ResponseCheck["kind"],
): Promise<ResponseCheck> {
  const check = await checkResponse(operation, response);
  expect(check.errors).toEqual([]);
  expect(check.kind).toBe(kind);
  expect(check.validated).toBeGreaterThan(0);
  return check;
}

/** Validates every upstream request of the test, with the mistral key marking Mistral's. */
async function expectUpstreamConformant(minimum = 1): Promise<void> {
  const report = await checkRecordedRequests(harness.simulator.requests, {
    specOf: (request) =>
      request.headers.authorization === `Bearer ${MISTRAL_KEY}` ? "mistral" : "openai",
  });
  expect(report.violations).toEqual([]);
  expect(report.checked).toBeGreaterThanOrEqual(minimum);
}

describe.skipIf(!run)("gateway traffic against the provider OpenAPI specs", () => {
  describe("chat completions", () => {
    test("plain JSON answer", async () => {
      const response = await post("/v1/chat/completions", {
        model: "gpt-test",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hello" },
        ],
        temperature: 0.2,
        max_completion_tokens: 64,
      });
      expect(response.status).toBe(200);
      await expectConformant(CHAT, response, "json");
      await expectUpstreamConformant();
    });

    test("stream with usage", async () => {
      const response = await post("/v1/chat/completions", {
        model: "gpt-test",
        messages: [{ role: "user", content: "Count to three" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      expect(response.status).toBe(200);
      const check = await expectConformant(CHAT, response, "sse");
      expect(check.validated).toBeGreaterThan(1);
      await expectUpstreamConformant();
    });

    test("tools and a tool-result turn", async () => {
      const first = await post("/v1/chat/completions", {
        model: "gpt-test",
        messages: [{ role: "user", content: "Weather in Paris?" }],
        tools: [WEATHER_TOOL],
        tool_choice: { type: "function", function: { name: "get_weather" } },
      });
      await expectConformant(CHAT, first, "json");

      const second = await post("/v1/chat/completions", {
        model: "gpt-test",
        messages: [
          { role: "user", content: "Weather in Paris?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [{
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" },
            }],
          },
          { role: "tool", tool_call_id: "call_1", content: "18 °C, clear" },
        ],
        tools: [WEATHER_TOOL],
      });
      await expectConformant(CHAT, second, "json");
      await expectUpstreamConformant(2);
    });

    test("image part", async () => {
      const response = await post("/v1/chat/completions", {
        model: "gpt-test",
        messages: [{
          role: "user",
          content: [
            { type: "text", text: "What is in this image?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PIXEL_PNG}` } },
          ],
        }],
      });
      await expectConformant(CHAT, response, "json");
      await expectUpstreamConformant();
    });

    test("json_schema response format", async () => {
      const response = await post("/v1/chat/completions", {
        model: "gpt-test",
        messages: [{ role: "user", content: "Name a colour." }],
        response_format: {
          type: "json_schema",
          json_schema: {
            name: "colour",
            strict: true,
            schema: {
              type: "object",
              properties: { name: { type: "string" } },
              required: ["name"],
              additionalProperties: false,
            },
          },
        },
      });
      await expectConformant(CHAT, response, "json");
      await expectUpstreamConformant();
    });

    test("reasoning effort", async () => {
      const response = await post("/v1/chat/completions", {
        model: "gpt-test",
        messages: [{ role: "user", content: "Think, then answer." }],
        reasoning_effort: "low",
      });
      await expectConformant(CHAT, response, "json");
      await expectUpstreamConformant();
    });

    test("Anthropic upstream with tools and thinking", async () => {
      const body = {
        model: "claude-test",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Weather in Paris?" },
        ],
        tools: [WEATHER_TOOL],
        max_tokens: 2048,
        thinking: { type: "enabled", budget_tokens: 1024 },
      };
      await expectConformant(CHAT, await post("/v1/chat/completions", body), "json");
      const stream = await post("/v1/chat/completions", { ...body, stream: true });
      await expectConformant(CHAT, stream, "sse");
      await expectUpstreamConformant(2);
    });

    test("Anthropic upstream with a tool-result turn", async () => {
      const response = await post("/v1/chat/completions", {
        model: "claude-test",
        messages: [
          { role: "user", content: "Weather in Paris?" },
          {
            role: "assistant",
            content: "Checking.",
            tool_calls: [{
              id: "toolu_1",
              type: "function",
              function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" },
            }],
          },
          { role: "tool", tool_call_id: "toolu_1", content: "18 °C, clear" },
        ],
        tools: [WEATHER_TOOL],
      });
      await expectConformant(CHAT, response, "json");
      await expectUpstreamConformant();
    });

    test("Mistral upstream JSON with tools", async () => {
      const response = await post("/v1/chat/completions", mistralChat);
      await expectConformant(CHAT, response, "json");
      await expectUpstreamConformant();
      expect(harness.simulator.requests[0]?.headers.authorization).toBe(`Bearer ${MISTRAL_KEY}`);
    });

    test("Mistral upstream stream", async () => {
      const stream = await post("/v1/chat/completions", { ...mistralChat, stream: true });
      await expectConformant(CHAT, stream, "sse");

      // Mistral's request schema forbids `stream_options`, so the profile leaves it out.
      await expectUpstreamConformant();
      const sent = harness.simulator.requests[0]?.body as Record<string, unknown>;
      expect(sent.stream).toBe(true);
      expect(sent.stream_options).toBeUndefined();
    });
  });

  describe("embeddings and models", () => {
    for (const format of ["float", "base64"] as const) {
      test(`embeddings in ${format}`, async () => {
        const response = await post("/v1/embeddings", {
          model: "embed-test",
          input: ["alpha", "beta"],
          encoding_format: format,
        });
        expect(response.status).toBe(200);
        await expectConformant(EMBEDDINGS, response, "json");
        await expectUpstreamConformant();
      });
    }

    test("Mistral embeddings", async () => {
      const response = await post("/v1/embeddings", {
        model: "mistral-embed-test",
        input: ["alpha"],
      });
      expect(response.status).toBe(200);
      await expectConformant(EMBEDDINGS, response, "json");
      await expectUpstreamConformant();
    });

    test("model list", async () => {
      const response = await fetch(`${harness.gateway.url}/v1/models`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(response.status).toBe(200);
      await expectConformant(MODELS, response, "json");
    });
  });

  describe("messages", () => {
    const messagesBody = {
      model: "claude-test",
      max_tokens: 2048,
      system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
      messages: [{
        role: "user",
        content: [
          { type: "text", text: "Weather in Paris?", cache_control: { type: "ephemeral" } },
        ],
      }],
      tools: [{
        name: "get_weather",
        description: "Current weather for a city.",
        input_schema: { type: "object", properties: { city: { type: "string" } } },
      }],
      thinking: { type: "enabled", budget_tokens: 1024 },
    };

    test("JSON with tools, thinking and cache_control", async () => {
      const response = await postMessages(messagesBody);
      expect(response.status).toBe(200);
      await expectConformant(MESSAGES, response, "json");
      await expectUpstreamConformant();
    });

    test("stream with tools, thinking and cache_control", async () => {
      const response = await postMessages({ ...messagesBody, stream: true });
      expect(response.status).toBe(200);
      const check = await expectConformant(MESSAGES, response, "sse");
      expect(check.validated).toBeGreaterThan(3);
      await expectUpstreamConformant();
    });

    test("tool-result turn", async () => {
      const response = await postMessages({
        model: "claude-test",
        max_tokens: 256,
        messages: [
          { role: "user", content: "Weather in Paris?" },
          {
            role: "assistant",
            content: [{ type: "tool_use", id: "toolu_1", name: "get_weather",
              input: { city: "Paris" } }],
          },
          {
            role: "user",
            content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18 °C" }],
          },
        ],
        tools: messagesBody.tools,
      });
      await expectConformant(MESSAGES, response, "json");
      await expectUpstreamConformant();
    });

    test("OpenAI upstream, JSON and stream", async () => {
      const body = {
        model: "gpt-test",
        max_tokens: 256,
        messages: [{ role: "user", content: "Weather in Paris?" }],
        tools: messagesBody.tools,
      };
      const json = await postMessages(body);
      expect(json.status).toBe(200);
      await expectConformant(MESSAGES, json, "json");
      const stream = await postMessages({ ...body, stream: true });
      await expectConformant(MESSAGES, stream, "sse");
      await expectUpstreamConformant(2);
    });
  });

  describe("responses", () => {
    test("JSON and stream", async () => {
      const body = {
        model: "gpt-test",
        input: [{ role: "user", content: "Weather in Paris?" }],
        tools: [{
          type: "function",
          name: "get_weather",
          parameters: WEATHER_TOOL.function.parameters,
          strict: false,
        }],
        reasoning: { effort: "low" },
      };
      const json = await post("/v1/responses", body);
      expect(json.status).toBe(200);
      await expectConformant(RESPONSES, json, "json");
      const stream = await post("/v1/responses", { ...body, stream: true });
      expect(stream.status).toBe(200);
      await expectConformant(RESPONSES, stream, "sse");
      await expectUpstreamConformant(2);
    });

    test("Anthropic upstream", async () => {
      const body = { model: "claude-test", input: "Hello", max_output_tokens: 256 };
      const json = await post("/v1/responses", body);
      expect(json.status).toBe(200);
      await expectConformant(RESPONSES, json, "json");
      const stream = await post("/v1/responses", { ...body, stream: true });
      await expectConformant(RESPONSES, stream, "sse");
      await expectUpstreamConformant(2);
    });
  });

  describe("error bodies", () => {
    const cases: { name: string; path: string; operation: Operation; status: number }[] = [
      { name: "chat", path: "/v1/chat/completions", operation: CHAT, status: 400 },
      { name: "embeddings", path: "/v1/embeddings", operation: EMBEDDINGS, status: 400 },
      { name: "messages", path: "/v1/messages", operation: MESSAGES, status: 400 },
      { name: "responses", path: "/v1/responses", operation: RESPONSES, status: 400 },
    ];

    for (const { name, path, operation, status } of cases) {
      test(`${name} with invalid JSON`, async () => {
        const response = await post(path, "{not json");
        expect(response.status).toBe(status);
        await expectConformant(operation, response, "error");
      });

      test(`${name} with an unknown model`, async () => {
        const body = path === "/v1/embeddings"
          ? { model: "no-such-model", input: "x" }
          : path === "/v1/responses"
          ? { model: "no-such-model", input: "x" }
          : { model: "no-such-model", max_tokens: 8, messages: [{ role: "user", content: "x" }] };
        const response = await post(path, body);
        expect(response.status).toBeGreaterThanOrEqual(400);
        await expectConformant(operation, response, "error");
      });
    }

    test("chat with an upstream 429", async () => {
      harness.simulator.enqueue({ status: 429 });
      const response = await post("/v1/chat/completions", {
        model: "gpt-test",
        messages: [{ role: "user", content: "x" }],
      });
      expect(response.status).toBe(429);
      await expectConformant(CHAT, response, "error");
      await expectUpstreamConformant();
    });

    test("messages with an upstream 429", async () => {
      harness.simulator.enqueue({ status: 429 });
      const response = await postMessages({
        model: "claude-test",
        max_tokens: 8,
        messages: [{ role: "user", content: "x" }],
      });
      expect(response.status).toBe(429);
      await expectConformant(MESSAGES, response, "error");
      await expectUpstreamConformant();
    });

    test("responses with an upstream 429", async () => {
      harness.simulator.enqueue({ status: 429 });
      const response = await post("/v1/responses", { model: "gpt-test", input: "x" });
      expect(response.status).toBe(429);
      await expectConformant(RESPONSES, response, "error");
      await expectUpstreamConformant();
    });

    test("embeddings with an upstream 429", async () => {
      harness.simulator.enqueue({ status: 429 });
      const response = await post("/v1/embeddings", { model: "embed-test", input: "x" });
      expect(response.status).toBe(429);
      await expectConformant(EMBEDDINGS, response, "error");
      await expectUpstreamConformant();
    });
  });
});

describe.skipIf(!run)("spec validator", () => {
  test("reports a wrong value by JSON path", async () => {
    const result = await validateWithSpec(CHAT, "request", {
      model: "gpt-test",
      messages: [{ role: "user", content: "hi" }, { role: "robot", content: "beep" }],
    });
    expect(result.valid).toBe(false);
    expect(result.errors.some((line) => line.startsWith("$.messages[1]"))).toBe(true);
  });

  test("discriminator picks the branch to report", async () => {
    const result = await validateWithSpec(CHAT, "request", {
      model: "gpt-test",
      messages: [{ role: "user", content: 42 }],
    });
    expect(result.valid).toBe(false);
    expect(result.errors.length).toBeGreaterThan(0);
    // Only the user message branch is reported, not the tool message's `tool_call_id`.
    for (const line of result.errors) expect(line).toStartWith("$.messages[0].content");
  });

  test("nullable fields accept null", async () => {
    const body = { model: "gpt-test", messages: [{ role: "user", content: "hi" }] };
    const withNull = await validateWithSpec(CHAT, "request", {
      ...body,
      max_completion_tokens: null,
    });
    expect(withNull.errors).toEqual([]);
    const withText = await validateWithSpec(CHAT, "request", {
      ...body,
      max_completion_tokens: "ten",
    });
    expect(withText.valid).toBe(false);
  });

  test("Anthropic stream events include ping, not others", async () => {
    const ping = await validateWithSpec(MESSAGES, "stream-event", { type: "ping" });
    expect(ping.errors).toEqual([]);
    const unknown = await validateWithSpec(MESSAGES, "stream-event", { type: "pong" });
    expect(unknown.valid).toBe(false);
  });

  test("rewriteNullable covers typed and untyped schemas", () => {
    const schemas: Record<string, unknown> = {
      typed: { type: "string", enum: ["a"], nullable: true },
      untyped: { $ref: "#/x", nullable: true },
      strict: { type: "integer", nullable: false },
      property: { properties: { nullable: { type: "boolean" } } },
    };
    expect(rewriteNullable(schemas)).toBe(2);
    expect(schemas.typed).toEqual({ type: ["string", "null"], enum: ["a", null] });
    expect(schemas.untyped).toEqual({ anyOf: [{ $ref: "#/x" }, { type: "null" }] });
    expect(schemas.strict).toEqual({ type: "integer" });
    expect(schemas.property).toEqual({ properties: { nullable: { type: "boolean" } } });
  });

  test("stale exception is reported", () => {
    expect(() => applySpecExceptions("mistral", {})).toThrow("ChatCompletionResponse not found");
    const changed = { ChatCompletionResponse: { required: ["id"] } };
    expect(() => applySpecExceptions("mistral", changed)).toThrow("no longer applies");
  });
});

/** Recorded folders and the operation whose responses they hold. */
const RECORDED_OPERATIONS: Record<string, Operation> = {
  "vercel-ai/openai-chat": CHAT,
  "vercel-ai/openai-embeddings": EMBEDDINGS,
  "vercel-ai/openai-responses": RESPONSES,
  "vercel-ai/anthropic": MESSAGES,
  "vercel-ai/mistral": { spec: "mistral", method: "POST", path: "/v1/chat/completions" },
  "simonw-llm/openai-chat": CHAT,
  "simonw-llm/openai-responses": RESPONSES,
  "simonw-llm/anthropic": MESSAGES,
};

/**
 * Recordings of features newer than the spec copy: Anthropic's spec (2026-01-01) predates the
 * `code_execution_20260120` server tool this stream uses.
 */
const NEWER_THAN_SPEC = new Set(["anthropic-code-execution-20260120-prompt-cache.1.chunks.txt"]);

/** Validates one recorded file: a JSON body, one JSON event per line, or an SSE body. */
async function checkRecordedFile(operation: Operation, file: string): Promise<string[]> {
  const text = await Bun.file(file).text();
  if (file.endsWith(".chunks.txt")) {
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    const sse = lines.map((line) => `data: ${line}\n\n`).join("");
    return (await checkResponseText(operation, 200, "text/event-stream", sse)).errors;
  }
  if (file.endsWith(".sse")) {
    return (await checkResponseText(operation, 200, "text/event-stream", text)).errors;
  }
  const status = basename(file).includes("error") ? 400 : 200;
  return (await checkResponseText(operation, status, "application/json", text)).errors;
}

const replayable = run && fixturesAvailable();

describe.skipIf(!replayable)("recorded provider traffic against the specs", () => {
  for (const [folder, operation] of Object.entries(RECORDED_OPERATIONS)) {
    test(`${folder} responses conform`, async () => {
      const directory = join(FIXTURES_DIR, "recorded", folder);
      const files = readdirSync(directory)
        .filter((name) => /\.(json|chunks\.txt|sse)$/.test(name) && !NEWER_THAN_SPEC.has(name));
      expect(files.length).toBeGreaterThan(0);

      const failures: Record<string, string[]> = {};
      for (const name of files) {
        const errors = await checkRecordedFile(operation, join(directory, name));
        if (errors.length > 0) failures[name] = errors;
      }
      expect(failures).toEqual({});
    });
  }

  test("exception evidence files exist", () => {
    for (const exception of SPEC_EXCEPTIONS) {
      for (const file of exception.recorded) {
        expect(existsSync(join(FIXTURES_DIR, "recorded", file))).toBe(true);
      }
    }
  });

  test("simonw-llm requests conform", async () => {
    const operations: Record<string, Operation> = {
      "https://api.openai.com/v1/chat/completions": CHAT,
      "https://api.openai.com/v1/responses": RESPONSES,
      "https://api.anthropic.com/v1/messages": MESSAGES,
    };
    const failures: string[] = [];
    let checked = 0;
    for (const folder of ["openai-chat", "openai-responses", "anthropic"]) {
      const directory = join(FIXTURES_DIR, "recorded", "simonw-llm", folder);
      for (const name of readdirSync(directory).filter((file) => file.endsWith(".yaml"))) {
        const cassette = Bun.YAML.parse(await Bun.file(join(directory, name)).text()) as {
          interactions: { request: { uri: string; body: string } }[];
        };
        for (const [index, { request }] of cassette.interactions.entries()) {
          const operation = operations[request.uri.split("?")[0] ?? ""];
          if (operation === undefined) continue;
          checked += 1;
          const result = await validateWithSpec(operation, "request", JSON.parse(request.body));
          for (const line of result.errors) failures.push(`${folder}/${name}#${index}: ${line}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });
});

interface ReplayCase {
  fixture: string;
  model: string;
  path: "/v1/chat/completions" | "/v1/embeddings" | "/v1/messages" | "/v1/responses";
  stream: boolean;
}

/** Recorded upstream responses, replayed through each codec and inbound route. */
const REPLAYS: ReplayCase[] = [
  { fixture: "vercel-ai/openai-chat/openai-text.json", model: "gpt-test",
    path: "/v1/chat/completions", stream: false },
  { fixture: "vercel-ai/openai-chat/openai-text.chunks.txt", model: "gpt-test",
    path: "/v1/chat/completions", stream: true },
  { fixture: "vercel-ai/anthropic/anthropic-text.json", model: "claude-test",
    path: "/v1/chat/completions", stream: false },
  { fixture: "vercel-ai/anthropic/anthropic-clear-thinking.1.json", model: "claude-test",
    path: "/v1/chat/completions", stream: false },
  { fixture: "vercel-ai/anthropic/anthropic-tool-no-args.chunks.txt", model: "claude-test",
    path: "/v1/chat/completions", stream: true },
  { fixture: "vercel-ai/mistral/mistral-tool-call.json", model: "mistral-test",
    path: "/v1/chat/completions", stream: false },
  { fixture: "vercel-ai/mistral/mistral-reasoning.json", model: "mistral-test",
    path: "/v1/chat/completions", stream: false },
  { fixture: "vercel-ai/mistral/mistral-reasoning.chunks.txt", model: "mistral-test",
    path: "/v1/chat/completions", stream: true },
  { fixture: "vercel-ai/openai-embeddings/openai-embedding.json", model: "embed-test",
    path: "/v1/embeddings", stream: false },
  { fixture: "vercel-ai/anthropic/anthropic-json-tool.1.json", model: "claude-test",
    path: "/v1/messages", stream: false },
  { fixture: "simonw-llm/anthropic/test_stream_events_thinking.0.sse", model: "claude-test",
    path: "/v1/messages", stream: true },
  { fixture: "vercel-ai/openai-chat/openai-text.json", model: "gpt-test",
    path: "/v1/messages", stream: false },
  { fixture: "vercel-ai/openai-chat/openai-text.chunks.txt", model: "gpt-test",
    path: "/v1/messages", stream: true },
  { fixture: "vercel-ai/openai-responses/openai-client-tool-search.1.json", model: "gpt-test",
    path: "/v1/responses", stream: false },
  { fixture: "vercel-ai/openai-responses/openai-reasoning-encrypted-content.1.chunks.txt",
    model: "gpt-test", path: "/v1/responses", stream: true },
  { fixture: "vercel-ai/anthropic/anthropic-text.json", model: "claude-test",
    path: "/v1/responses", stream: false },
  { fixture: "vercel-ai/anthropic/anthropic-text.chunks.txt", model: "claude-test",
    path: "/v1/responses", stream: true },
];

const INBOUND_OPERATIONS: Record<ReplayCase["path"], Operation> = {
  "/v1/chat/completions": CHAT,
  "/v1/embeddings": EMBEDDINGS,
  "/v1/messages": MESSAGES,
  "/v1/responses": RESPONSES,
};

function replayBody({ model, path, stream }: ReplayCase): Record<string, unknown> {
  const prompt = "Hello";
  switch (path) {
    case "/v1/chat/completions":
      return { model, stream, messages: [{ role: "user", content: prompt }] };
    case "/v1/embeddings":
      return { model, input: [prompt] };
    case "/v1/messages":
      return { model, stream, max_tokens: 1024, messages: [{ role: "user", content: prompt }] };
    case "/v1/responses":
      return { model, stream, input: prompt };
  }
}

describe.skipIf(!replayable)("recorded answers through the gateway", () => {
  for (const replay of REPLAYS) {
    const via = `${replay.path} ${replay.model}`;
    test(`${basename(replay.fixture)} via ${via}`, async () => {
      harness.simulator.enqueue({ fixture: replay.fixture });
      const headers: Record<string, string> =
        replay.path === "/v1/messages" ? { "anthropic-version": "2023-06-01" } : {};
      const response = await post(replay.path, replayBody(replay), headers);
      expect(response.status).toBe(200);
      const kind = replay.stream ? "sse" : "json";
      await expectConformant(INBOUND_OPERATIONS[replay.path], response, kind);
      // The `stream_options` that Nexus sends to Mistral is pinned in "Mistral upstream stream".
      if (replay.model !== "mistral-test" || !replay.stream) await expectUpstreamConformant();
    });
  }
});
