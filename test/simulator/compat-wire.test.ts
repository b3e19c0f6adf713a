/** The simulated OpenAI-compatible providers: base paths and each provider's dialect. */

import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { SIMULATED_REASONING } from "./compat-quirks.ts";
import { compatBaseUrl } from "./compat-provider.ts";
import { SIMULATED_PROFILES } from "./compat-profiles.ts";
import { startSimulator, type Simulator } from "./server.ts";

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

type Json = Record<string, any>;

const TOOL = {
  type: "function",
  function: {
    name: "lookup",
    parameters: { type: "object", properties: { term: { type: "string" } }, required: ["term"] },
  },
};

async function chat(profile: string, body: Json): Promise<Response> {
  return fetch(`${compatBaseUrl(sim.url, profile)}/chat/completions`, {
    method: "POST",
    headers: { authorization: "Bearer k", "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "Hi there" }], ...body }),
  });
}

async function completion(profile: string, body: Json): Promise<Json> {
  return (await (await chat(profile, body)).json()) as Json;
}

async function chunks(profile: string, body: Json): Promise<Json[]> {
  const text = await (await chat(profile, { ...body, stream: true })).text();
  expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
  return text
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: {"))
    .map((frame) => JSON.parse(frame.slice(6)) as Json);
}

const deltaText = (events: Json[], field: string) =>
  events.map((event) => event.choices[0]?.delta?.[field] ?? "").join("");

describe("compat routes", () => {
  test("each profile answers at its base path", async () => {
    for (const name of Object.keys(SIMULATED_PROFILES)) {
      const response = await chat(name, { model: "m" });
      expect({ name, status: response.status }).toEqual({ name, status: 200 });
      expect(sim.requests.at(-1)?.provider).toBe("compat");
    }
  });

  test("wrong base path is 404", async () => {
    const response = await fetch(`${sim.url}/compat/groq/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer k" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }] }),
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as Json).error.message).toContain("/compat/groq/v1");
  });

  test("embeddings only where served", async () => {
    const statuses: Record<string, number> = {};
    for (const name of ["mistral", "fireworks", "together", "deepseek", "groq"]) {
      const response = await fetch(`${compatBaseUrl(sim.url, name)}/embeddings`, {
        method: "POST",
        headers: { authorization: "Bearer k" },
        body: JSON.stringify({ model: "e", input: ["a"] }),
      });
      statuses[name] = response.status;
    }
    expect(statuses).toEqual({ mistral: 200, fireworks: 200, together: 200, deepseek: 404, groq: 404 });
  });

  test("missing bearer token is 401", async () => {
    const response = await fetch(`${compatBaseUrl(sim.url, "xai")}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }] }),
    });
    expect(response.status).toBe(401);
  });

  test("injected error and gzip reach compat", async () => {
    sim.enqueue({ match: { provider: "compat" }, status: 503 });
    const failed = await chat("together", { model: "m" });
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as Json).error.type).toBe("server_error");

    sim.enqueue({ match: { provider: "compat" }, gzip: true, splitWrites: 7 });
    const events = await chunks("together", { model: "m" });
    expect(deltaText(events, "content")).toBe("Echo: Hi there");
  });
});

describe("compat dialects", () => {
  test("deepseek reasoner usage and reasoning", async () => {
    const prompt = "x".repeat(600);
    const body = await completion("deepseek", {
      model: "deepseek-reasoner",
      messages: [{ role: "user", content: prompt }],
    });
    const usage = body.usage;

    expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(body.choices[0].message.reasoning_content).toBe(SIMULATED_REASONING);
    expect(usage.prompt_cache_hit_tokens).toBe(128);
    expect(usage.prompt_cache_miss_tokens).toBe(usage.prompt_tokens - 128);
    expect(usage.prompt_tokens_details).toBeUndefined();
    expect(usage.completion_tokens_details.reasoning_tokens).toBeGreaterThan(0);
  });

  test("deepseek chat model has no reasoning", async () => {
    const body = await completion("deepseek", { model: "deepseek-chat" });
    expect(body.choices[0].message.reasoning_content).toBeUndefined();
  });

  test("deepseek stream usage on finish chunk", async () => {
    const events = await chunks("deepseek", {
      model: "deepseek-reasoner",
      stream_options: { include_usage: true },
    });
    const last = events.at(-1)!;
    expect(last.choices[0].finish_reason).toBe("stop");
    expect(last.usage.prompt_cache_miss_tokens).toBeGreaterThan(0);
    expect(events.some((event) => event.choices.length === 0)).toBe(false);
    expect(deltaText(events, "reasoning_content")).toBe(SIMULATED_REASONING);
    expect(deltaText(events, "content")).toBe("Echo: Hi there");
  });

  test("mistral tool call lacks type and index", async () => {
    const body = await completion("mistral", { model: "mistral-small", tools: [TOOL] });
    const call = body.choices[0].message.tool_calls[0];
    expect(call.type).toBeUndefined();
    expect(call.id).toMatch(/^[0-9A-Za-z]{9}$/);
    expect(body.choices[0].message.content).toBeUndefined();
    expect(Object.keys(body.usage).sort()).toEqual(["completion_tokens", "prompt_tokens", "total_tokens"]);

    const events = await chunks("mistral", { model: "mistral-small", tools: [TOOL] });
    const finish = events.at(-1)!;
    const streamed = finish.choices[0].delta.tool_calls[0];
    expect(finish.choices[0].finish_reason).toBe("tool_calls");
    expect(streamed.index).toBeUndefined();
    expect(streamed.type).toBeUndefined();
    expect(JSON.parse(streamed.function.arguments)).toEqual({ term: "example" });
    // Mistral sends usage on the finish chunk even without `include_usage`.
    expect(finish.usage.total_tokens).toBeGreaterThan(0);
    expect(events.slice(0, -1).some((event) => "usage" in event)).toBe(false);
  });

  test("groq whole tool call and x_groq", async () => {
    const events = await chunks("groq", { model: "llama-3.3-70b-versatile", tools: [TOOL] });
    const calls = events.filter((event) => event.choices[0]?.delta?.tool_calls !== undefined);

    expect(calls).toHaveLength(1);
    const call = calls[0]!.choices[0].delta.tool_calls[0];
    expect(call.index).toBe(0);
    expect(call.type).toBe("function");
    expect(JSON.parse(call.function.arguments)).toEqual({ term: "example" });
    expect(events[0]!.x_groq.id).toMatch(/^req_/);
    expect(events.at(-1)!.x_groq.usage.queue_time).toBeGreaterThan(0);
    expect(events.some((event) => event.usage !== undefined)).toBe(false);
  });

  test("groq reasoning field", async () => {
    const body = await completion("groq", { model: "openai/gpt-oss-20b" });
    expect(body.choices[0].message.reasoning).toBe(SIMULATED_REASONING);
    const hidden = await completion("groq", { model: "openai/gpt-oss-20b", reasoning_format: "hidden" });
    expect(hidden.choices[0].message.reasoning).toBeUndefined();
  });

  test("xai completion tokens exclude reasoning", async () => {
    const body = await completion("xai", { model: "grok-3-mini" });
    const usage = body.usage;
    const reasoning = usage.completion_tokens_details.reasoning_tokens;
    expect(reasoning).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens + reasoning);
    expect(body.choices[0].message.reasoning_content).toBe(SIMULATED_REASONING);
  });

  test("minimax reasoning split or tags", async () => {
    const split = await completion("minimax", { model: "MiniMax-M2", reasoning_split: true });
    expect(split.choices[0].message.reasoning_details[0].text).toBe(SIMULATED_REASONING);
    expect(split.choices[0].message.content).toBe("Echo: Hi there");
    expect(split.base_resp).toEqual({ status_code: 0, status_msg: "" });

    const tagged = await completion("minimax", { model: "MiniMax-M2" });
    expect(tagged.choices[0].message.content).toBe(
      `<think>\n${SIMULATED_REASONING}\n</think>\n\nEcho: Hi there`,
    );
  });

  test("glm thinking switch", async () => {
    const thinking = await completion("glm", { model: "glm-4.6" });
    expect(thinking.choices[0].message.reasoning_content).toBe(SIMULATED_REASONING);
    expect(thinking.request_id).toBeTruthy();
    const off = await completion("glm", { model: "glm-4.6", thinking: { type: "disabled" } });
    expect(off.choices[0].message.reasoning_content).toBeUndefined();
  });

  test("perplexity citations and think tags", async () => {
    const sonar = await completion("perplexity", { model: "sonar" });
    expect(sonar.citations).toEqual([]);
    expect(sonar.search_results).toEqual([]);
    expect(sonar.usage.search_context_size).toBe("low");

    const events = await chunks("perplexity", { model: "sonar-reasoning" });
    expect(deltaText(events, "content")).toStartWith(`<think>\n${SIMULATED_REASONING}`);
  });

  test("no OpenAI service_tier", async () => {
    const body = await completion("moonshot", { model: "kimi-k2-thinking" });
    expect(body.service_tier).toBeUndefined();
    expect(body.choices[0].message.reasoning_content).toBe(SIMULATED_REASONING);
  });
});
