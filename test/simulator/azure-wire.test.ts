/** The simulated Azure OpenAI resource: paths, credentials, api-version, filter fields, errors. */

import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { azureContentFilterBlock } from "./azure-request.ts";
import { startSimulator, type Simulator } from "./server.ts";

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const VERSION = "api-version=2024-10-21";
const CHAT_PATH = `/azure/openai/deployments/gpt4o-prod/chat/completions`;
const EMBED_PATH = `/azure/openai/deployments/embed-small/embeddings`;
const KEY = { "api-key": "azure-key" };
const CHAT = { messages: [{ role: "user", content: "Hello Azure" }] };

function post(path: string, body: unknown, headers: Record<string, string> = KEY) {
  return fetch(`${sim.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

function dataEvents(text: string): Record<string, unknown>[] {
  return text
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: {"))
    .map((frame) => JSON.parse(frame.slice(6)) as Record<string, unknown>);
}

interface RejectCase {
  name: string;
  query: string;
  headers: Record<string, string>;
  status: number;
  code: string;
  message: RegExp;
}

const REJECT_CASES: RejectCase[] = [
  { name: "no credential", query: `?${VERSION}`, headers: {}, status: 401, code: "401",
    message: /Access denied due to invalid subscription key/ },
  { name: "empty api-key", query: `?${VERSION}`, headers: { "api-key": " " }, status: 401,
    code: "401", message: /Access denied/ },
  { name: "no api-version", query: "", headers: KEY, status: 404, code: "404",
    message: /^Resource not found$/ },
  { name: "malformed api-version", query: "?api-version=latest", headers: KEY, status: 400,
    code: "BadRequest", message: /API version not supported/ },
];

describe("azure requests", () => {
  for (const c of REJECT_CASES) {
    test(`${c.name} is rejected`, async () => {
      const response = await post(`${CHAT_PATH}${c.query}`, CHAT, c.headers);
      expect(response.status).toBe(c.status);
      expect(response.headers.get("apim-request-id")).toBeTruthy();
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(c.code);
      expect(body.error.message).toMatch(c.message);
    });
  }

  test("Entra bearer token is accepted", async () => {
    const response = await post(`${CHAT_PATH}?${VERSION}`, CHAT, { authorization: "Bearer t" });
    expect(response.status).toBe(200);
  });

  test("preview api-version is accepted", async () => {
    const response = await post(`${CHAT_PATH}?api-version=2025-01-01-preview`, CHAT);
    expect(response.status).toBe(200);
  });

  test("unknown path is Azure's 404", async () => {
    const response = await post(`/azure/openai/v1/chat/completions?${VERSION}`, CHAT);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: "404", message: "Resource not found" } });
  });

  test("request is recorded as azure", async () => {
    await post(`${CHAT_PATH}?${VERSION}`, CHAT);
    expect(sim.requests.at(-1)?.provider).toBe("azure");
    expect(sim.requests.at(-1)?.headers["api-key"]).toBe("azure-key");
  });
});

describe("azure answers", () => {
  test("chat carries filter results", async () => {
    const response = await post(`${CHAT_PATH}?${VERSION}`, CHAT);
    const body = (await response.json()) as Record<string, any>;

    expect(response.status).toBe(200);
    expect(body.object).toBe("chat.completion");
    // Without `model` in the body, the deployment names the model.
    expect(body.model).toBe("gpt4o-prod");
    expect(body.choices[0].message.content).toBe("Echo: Hello Azure");
    expect(body.prompt_filter_results[0].prompt_index).toBe(0);
    expect(body.prompt_filter_results[0].content_filter_results.jailbreak).toEqual({
      filtered: false,
      detected: false,
    });
    expect(body.choices[0].content_filter_results.violence).toEqual({
      filtered: false,
      severity: "safe",
    });
    expect(body.service_tier).toBeUndefined();
    expect(body.usage.total_tokens).toBeGreaterThan(0);
  });

  test("stream opens with prompt filter chunk", async () => {
    const response = await post(`${CHAT_PATH}?${VERSION}`, { ...CHAT, stream: true });
    const text = await response.text();
    const events = dataEvents(text);

    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(events[0]).toMatchObject({ choices: [], id: "", model: "", object: "" });
    expect(events[0]!.prompt_filter_results).toBeDefined();
    const choiceOf = (event: Record<string, any>) => event.choices[0];
    expect(choiceOf(events[1]!).content_filter_results).toEqual({});
    expect(choiceOf(events[2]!).content_filter_results.hate.severity).toBe("safe");
    expect(choiceOf(events.at(-1)!).finish_reason).toBe("stop");
    expect(events.some((event) => event.usage !== undefined)).toBe(false);
    const content = events.slice(1).map((event) => choiceOf(event).delta.content ?? "").join("");
    expect(content).toBe("Echo: Hello Azure");
  });

  test("stream usage only when requested", async () => {
    const body = { ...CHAT, stream: true, stream_options: { include_usage: true } };
    const events = dataEvents(await (await post(`${CHAT_PATH}?${VERSION}`, body)).text());
    const last = events.at(-1) as Record<string, any>;
    expect(last.choices).toEqual([]);
    expect(last.usage.total_tokens).toBeGreaterThan(0);
  });

  test("embeddings answer like OpenAI", async () => {
    const response = await post(`${EMBED_PATH}?${VERSION}`, { input: ["a", "b"] });
    const body = (await response.json()) as Record<string, any>;
    expect(response.status).toBe(200);
    expect(body.model).toBe("embed-small");
    expect(body.data).toHaveLength(2);
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-ms-region")).toBeTruthy();
  });
});

describe("azure injected behaviours", () => {
  test("content filter block", async () => {
    sim.enqueue(azureContentFilterBlock("hate", "medium"));
    const response = await post(`${CHAT_PATH}?${VERSION}`, CHAT);
    const body = (await response.json()) as Record<string, any>;

    expect(response.status).toBe(400);
    expect(body.error.code).toBe("content_filter");
    expect(body.error.param).toBe("prompt");
    expect(body.error.innererror.code).toBe("ResponsibleAIPolicyViolation");
    expect(body.error.innererror.content_filter_result.hate).toEqual({
      filtered: true,
      severity: "medium",
    });
    expect(body.error.innererror.content_filter_result.violence.filtered).toBe(false);
  });

  test("injected 429 uses Azure's body", async () => {
    sim.enqueue({ match: { provider: "azure" }, status: 429, headers: { "retry-after": "3" } });
    const response = await post(`${CHAT_PATH}?${VERSION}`, CHAT);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(body.error.code).toBe("429");
    expect(body.error.message).toMatch(/exceeded token rate limit/);
  });

  test("cut stream ends without [DONE]", async () => {
    sim.enqueue({ match: { provider: "azure" }, cutAfterEvents: 3 });
    const response = await post(`${CHAT_PATH}?${VERSION}`, { ...CHAT, stream: true });
    const failure = await response.text().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(sim.requests).toHaveLength(1);
  });
});
