/** Error responses in each provider's shape: auth, validation, routes and injected errors. */

import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { overloaded, rateLimited, serverError } from "./provider-errors.ts";
import { startSimulator, type Simulator } from "./server.ts";
import { ANTHROPIC_AUTH, OPENAI_AUTH, openaiRequest } from "./test-client.ts";

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const MESSAGE = {
  model: "claude-sonnet-4-5",
  max_tokens: 16,
  messages: [{ role: "user" as const, content: "hi" }],
};
const COMPLETION = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "hi" }] };
const chatUrl = () => `${sim.url}/openai/v1/chat/completions`;

interface ErrorCase {
  name: string;
  path: string;
  method?: string;
  headers: Record<string, string>;
  body?: string;
  status: number;
  /** `error.type` for Anthropic, `error.code` (or type when code is null) for OpenAI. */
  kind: string;
  message: RegExp;
}

const ANTHROPIC_CASES: ErrorCase[] = [
  {
    name: "missing key",
    path: "/anthropic/v1/messages",
    headers: { "anthropic-version": "2023-06-01" },
    body: JSON.stringify(MESSAGE),
    status: 401,
    kind: "authentication_error",
    message: /x-api-key header is required/,
  },
  {
    name: "missing version",
    path: "/anthropic/v1/messages",
    headers: { "x-api-key": "k" },
    body: JSON.stringify(MESSAGE),
    status: 400,
    kind: "invalid_request_error",
    message: /anthropic-version/,
  },
  {
    name: "malformed JSON",
    path: "/anthropic/v1/messages",
    headers: ANTHROPIC_AUTH,
    body: '{"model": ',
    status: 400,
    kind: "invalid_request_error",
    message: /not valid JSON/,
  },
  {
    name: "missing max_tokens",
    path: "/anthropic/v1/messages",
    headers: ANTHROPIC_AUTH,
    body: JSON.stringify({ ...MESSAGE, max_tokens: undefined }),
    status: 400,
    kind: "invalid_request_error",
    message: /^max_tokens: Field required$/,
  },
  {
    name: "empty messages",
    path: "/anthropic/v1/messages",
    headers: ANTHROPIC_AUTH,
    body: JSON.stringify({ ...MESSAGE, messages: [] }),
    status: 400,
    kind: "invalid_request_error",
    message: /at least one message/,
  },
  {
    name: "unknown route",
    path: "/anthropic/v1/nothing",
    headers: ANTHROPIC_AUTH,
    body: "{}",
    status: 404,
    kind: "not_found_error",
    message: /Not found/,
  },
];

const OPENAI_CASES: ErrorCase[] = [
  {
    name: "missing bearer",
    path: "/openai/v1/chat/completions",
    headers: {},
    body: JSON.stringify(COMPLETION),
    status: 401,
    kind: "invalid_request_error",
    message: /Authorization header/,
  },
  {
    name: "malformed JSON",
    path: "/openai/v1/chat/completions",
    headers: OPENAI_AUTH,
    body: "{nope",
    status: 400,
    kind: "invalid_request_error",
    message: /could not be parsed as JSON/,
  },
  {
    name: "missing messages",
    path: "/openai/v1/chat/completions",
    headers: OPENAI_AUTH,
    body: JSON.stringify({ model: "gpt-4o-mini" }),
    status: 400,
    kind: "missing_required_parameter",
    message: /'messages'/,
  },
  {
    name: "missing model",
    path: "/openai/v1/embeddings",
    headers: OPENAI_AUTH,
    body: JSON.stringify({ input: "x" }),
    status: 400,
    kind: "missing_required_parameter",
    message: /'model'/,
  },
  {
    name: "bad embedding input",
    path: "/openai/v1/embeddings",
    headers: OPENAI_AUTH,
    body: JSON.stringify({ model: "m", input: [{}] }),
    status: 400,
    kind: "invalid_type",
    message: /Invalid 'input'/,
  },
  {
    name: "models without key",
    path: "/openai/v1/models",
    method: "GET",
    headers: {},
    status: 401,
    kind: "invalid_request_error",
    message: /Missing API key/,
  },
  {
    name: "unknown route",
    path: "/openai/v1/nothing",
    headers: OPENAI_AUTH,
    body: "{}",
    status: 404,
    kind: "invalid_request_error",
    message: /Invalid URL \(POST \/openai\/v1\/nothing\)/,
  },
];

async function send(testCase: ErrorCase): Promise<Response> {
  return fetch(`${sim.url}${testCase.path}`, {
    method: testCase.method ?? "POST",
    headers: testCase.headers,
    body: testCase.body,
  });
}

describe("anthropic error shape", () => {
  for (const testCase of ANTHROPIC_CASES) {
    test(testCase.name, async () => {
      const response = await send(testCase);
      const body = await response.json();

      expect(response.status).toBe(testCase.status);
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(body.type).toBe("error");
      expect(body.error.type).toBe(testCase.kind);
      expect(body.error.message).toMatch(testCase.message);
      expect(body.request_id).toMatch(/^req_011C/);
      expect(response.headers.get("request-id")).toBe(body.request_id);
    });
  }
});

describe("openai error shape", () => {
  for (const testCase of OPENAI_CASES) {
    test(testCase.name, async () => {
      const response = await send(testCase);
      const body = await response.json();

      expect(response.status).toBe(testCase.status);
      expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
      expect(body.error.code ?? body.error.type).toBe(testCase.kind);
      expect(body.error.message).toMatch(testCase.message);
      expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    });
  }
});

describe("injected errors", () => {
  test("anthropic 429 with retry-after", async () => {
    sim.enqueue(rateLimited("anthropic", 7));
    const client = new Anthropic({ apiKey: "k", baseURL: `${sim.url}/anthropic`, maxRetries: 0 });
    const error = await client.messages.create(MESSAGE).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const apiError = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(apiError.status).toBe(429);
    expect(apiError.headers?.get("retry-after")).toBe("7");
    expect((apiError.error as { error: { type: string } }).error.type).toBe("rate_limit_error");
  });

  test("anthropic 529 overloaded", async () => {
    sim.enqueue(overloaded());
    const client = new Anthropic({ apiKey: "k", baseURL: `${sim.url}/anthropic`, maxRetries: 0 });
    const error = await client.messages.create(MESSAGE).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Anthropic.APIError);
    const apiError = error as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(529);
    expect((apiError.error as { error: { type: string } }).error.type).toBe("overloaded_error");
  });

  test("openai 429 and 500", async () => {
    sim.enqueue(rateLimited("openai", 2));
    sim.enqueue(serverError("openai"));
    const client = new OpenAI({ apiKey: "k", baseURL: `${sim.url}/openai/v1`, maxRetries: 0 });

    const capture = (caught: unknown) => caught;
    const limited = await client.chat.completions.create(COMPLETION).catch(capture);
    const failed = await client.chat.completions.create(COMPLETION).catch(capture);

    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.APIError>).code).toBe("rate_limit_exceeded");
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect((failed as InstanceType<typeof OpenAI.APIError>).type).toBe("server_error");
  });

  test("status alone gets provider body", async () => {
    sim.enqueue({ status: 503, match: { provider: "openai" } });
    sim.enqueue({ status: 504, match: { provider: "anthropic" } });
    const openaiResponse = await fetch(chatUrl(), openaiRequest(COMPLETION));
    const anthropicResponse = await fetch(`${sim.url}/anthropic/v1/messages`, {
      method: "POST",
      headers: ANTHROPIC_AUTH,
      body: JSON.stringify(MESSAGE),
    });
    const anthropicBody = await anthropicResponse.json();

    expect(openaiResponse.status).toBe(503);
    expect((await openaiResponse.json()).error.type).toBe("server_error");
    expect(anthropicResponse.status).toBe(504);
    expect(anthropicBody.error.type).toBe("timeout_error");
    expect(anthropicBody.request_id).toBe(anthropicResponse.headers.get("request-id"));
  });

  test("string body is sent raw", async () => {
    const html = "<html>bad gateway</html>";
    sim.enqueue({ status: 502, body: html, headers: { "content-type": "text/html" } });
    const response = await fetch(chatUrl(), openaiRequest(COMPLETION));

    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toBe("text/html");
    expect(await response.text()).toBe(html);
  });

  test("success status keeps answer", async () => {
    sim.enqueue({ status: 201, headers: { "x-extra": "1" } });
    const response = await fetch(chatUrl(), openaiRequest(COMPLETION));

    expect(response.status).toBe(201);
    expect(response.headers.get("x-extra")).toBe("1");
    expect((await response.json()).choices[0].message.content).toBe("Echo: hi");
  });
});
