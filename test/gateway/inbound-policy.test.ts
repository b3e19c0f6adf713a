import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, SIMULATOR_KEY_ENV, startHarness } from "../support/harness.ts";

let harness: Harness;
let dropKey: string;
let refuseKey: string;

beforeAll(async () => {
  harness = await startHarness({
    extra: (url) => ({
      providers: {
        gemini: { type: "gemini", baseUrl: `${url}/gemini`, apiKeyEnv: SIMULATOR_KEY_ENV },
      },
      models: { "gemini-test": { provider: "gemini", upstreamModel: "gemini-2.5-flash" } },
    }),
  });
  dropKey = await harness.createKey();
  refuseKey = await harness.createKey({ settings: { unsupportedParams: "refuse" } });
});
afterAll(async () => {
  await harness.close();
});

function post(path: string, key: string, body: unknown): Promise<Response> {
  return fetch(`${harness.gateway.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

const MESSAGE = {
  model: "gemini-test",
  max_tokens: 50,
  messages: [{ role: "user", content: "hi" }],
  metadata: { user_id: "u-1" },
};
const RESPONSE = { model: "claude-test", input: "hi", metadata: { team: "a" } };

describe("the unsupported-parameter policy on translated routes", () => {
  test("messages: dropped with a header under drop", async () => {
    const response = await post("/v1/messages", dropKey, MESSAGE);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-dropped-params")).toBe("user");
  });

  test("messages: refused in Anthropic's shape under refuse", async () => {
    const response = await post("/v1/messages", refuseKey, MESSAGE);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { type: string; error: { message: string } };
    expect(body.type).toBe("error");
    expect(body.error.message).toContain("'user'");
  });

  test("responses: dropped with a header under drop", async () => {
    const response = await post("/v1/responses", dropKey, RESPONSE);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-dropped-params")).toBe("metadata");
  });

  test("responses: refused under refuse", async () => {
    const response = await post("/v1/responses", refuseKey, RESPONSE);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; param: string } };
    expect(body.error.code).toBe("unsupported_parameter");
    expect(body.error.param).toBe("metadata");
  });
});

describe("strict Responses fields", () => {
  test("an unknown field is unknown_parameter", async () => {
    const response = await post("/v1/responses", dropKey, { ...RESPONSE, foo: 1 });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; param: string } };
    expect(body.error.code).toBe("unknown_parameter");
    expect(body.error.param).toBe("foo");
  });

  for (const value of [0, -5, 1.5, 1e300]) {
    test(`max_output_tokens ${value} is refused`, async () => {
      const response = await post("/v1/responses", dropKey,
        { model: "claude-test", input: "hi", max_output_tokens: value });
      expect(response.status).toBe(400);
    });
  }

  test("max_tokens beyond any model's output is refused on messages", async () => {
    const response = await post("/v1/messages", dropKey, { ...MESSAGE, max_tokens: 1e300 });
    expect(response.status).toBe(400);
  });
});

describe("implausible provider usage", () => {
  test("negative or infinite counts never reach the event's cost", async () => {
    harness.simulator.enqueue({
      match: { provider: "openai" },
      status: 200,
      body: {
        id: "chatcmpl-x", object: "chat.completion", created: 1, model: "gpt-4o-mini",
        choices: [{ index: 0, message: { role: "assistant", content: "ok" },
          finish_reason: "stop" }],
        usage: { prompt_tokens: -100, completion_tokens: 1e308, total_tokens: 5 },
      },
    });
    const response = await post("/v1/chat/completions", dropKey,
      { model: "gpt-test", messages: [{ role: "user", content: "hi" }] });
    expect(response.status).toBe(200);

    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.detail.usage_invalid).toBe(true);
    expect(event?.inputTokens).toBeNull();
    expect(event?.costUsd ?? 0).toBeGreaterThanOrEqual(0);
  });
});
