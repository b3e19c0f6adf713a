import { afterAll, describe, expect, test } from "bun:test";
import type { ChatChunk, ChatRequest } from "../../../runtime/canonical/chat.ts";
import type { ErrorCode } from "../../../runtime/errors/nexus-error.ts";
import { codecFor } from "../../../runtime/providers/registry.ts";
import { collectUntilError, streamText } from "../openai/byte-streams.ts";
import { decodeContext, FixtureUpstream } from "./fixture-upstream.ts";

type Json = Record<string, unknown>;

const upstream = new FixtureUpstream();
afterAll(() => upstream.close());

const codec = codecFor("glm");
const BASE: ChatRequest = { model: "client-model", messages: [{ role: "user", content: "Hi" }] };

describe("glm encodeChatRequest", () => {
  test("URL, auth and account fields", async () => {
    const request: ChatRequest = { ...BASE, store: true, safety_identifier: "user-hash" };
    await upstream.send(codec, request, "{}");
    const seen = upstream.seen!;

    expect(seen.path).toBe("/v1/chat/completions");
    expect(seen.authorization).toBe("Bearer test-key");
    expect(seen.body.model).toBe("upstream-model");
    expect(seen.body.store).toBeUndefined();
    expect(seen.body.safety_identifier).toBeUndefined();
  });

  const efforts: [ChatRequest["reasoning_effort"], Json | undefined][] = [
    ["minimal", { type: "disabled" }],
    ["low", { type: "enabled" }],
    ["medium", { type: "enabled" }],
    ["high", { type: "enabled" }],
    [null, undefined],
  ];
  for (const [effort, thinking] of efforts) {
    test(`reasoning_effort ${String(effort)} maps to thinking`, async () => {
      await upstream.send(codec, { ...BASE, reasoning_effort: effort }, "{}");
      expect(upstream.seen!.body.thinking).toEqual(thinking);
      expect("reasoning_effort" in upstream.seen!.body).toBe(false);
    });
  }

  test("client thinking wins over effort", async () => {
    const thinking = { type: "disabled" };
    const request: ChatRequest = { ...BASE, reasoning_effort: "high", thinking };
    await upstream.send(codec, request, "{}");
    expect(upstream.seen!.body.thinking).toEqual({ type: "disabled" });
    expect(upstream.seen!.body.reasoning_effort).toBeUndefined();
  });

  test("unknown effort sends neither field", async () => {
    const request = { ...BASE, reasoning_effort: "xhigh" } as unknown as ChatRequest;
    await upstream.send(codec, request, "{}");
    expect(upstream.seen!.body.thinking).toBeUndefined();
    expect(upstream.seen!.body.reasoning_effort).toBeUndefined();
  });

  test("client request is not changed", () => {
    const request: ChatRequest = { ...BASE, reasoning_effort: "low" };
    const copy = structuredClone(request);
    codec.encodeChatRequest(request, upstream.target());
    expect(request).toEqual(copy);
  });

  test("other profiles keep reasoning_effort", async () => {
    await upstream.send(codecFor("deepseek"), { ...BASE, reasoning_effort: "low" }, "{}");
    expect(upstream.seen!.body.reasoning_effort).toBe("low");
    expect(upstream.seen!.body.thinking).toBeUndefined();
  });
});

/** A non-streamed GLM response with reasoning, a tool call and cached tokens. */
const RESPONSE = {
  id: "20250801-abc",
  request_id: "req-1",
  created: 1754000000,
  model: "glm-4.5",
  choices: [
    {
      index: 0,
      finish_reason: "tool_calls",
      message: {
        role: "assistant",
        content: "",
        reasoning_content: "The user wants the weather.",
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            index: 0,
            function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" },
          },
        ],
      },
    },
  ],
  usage: {
    prompt_tokens: 120,
    completion_tokens: 30,
    total_tokens: 150,
    prompt_tokens_details: { cached_tokens: 100 },
  },
};

describe("glm decode", () => {
  test("JSON keeps reasoning, tool call and cache", () => {
    const decoded = codec.decodeChatResponse(RESPONSE, decodeContext(false));
    const message = decoded.choices[0]!.message;

    expect(decoded.model).toBe("client-model");
    expect(decoded.choices[0]!.finish_reason).toBe("tool_calls");
    expect(message.reasoning_content).toBe("The user wants the weather.");
    expect(message.tool_calls?.[0]?.function.name).toBe("get_weather");
    expect(message.tool_calls?.[0]?.function.arguments).toBe("{\"city\":\"Paris\"}");
    expect(decoded.usage?.prompt_tokens_details?.cached_tokens).toBe(100);
  });

  test("stream keeps reasoning, content and usage", async () => {
    const frame = (delta: Json, extra: Json = {}): Json => ({
      id: "20250801-abc",
      created: 1754000000,
      model: "glm-4.5",
      choices: [{ index: 0, delta, finish_reason: null }],
      ...extra,
    });
    const usage = {
      prompt_tokens: 12,
      completion_tokens: 5,
      total_tokens: 17,
      prompt_tokens_details: { cached_tokens: 8 },
    };
    const last = {
      ...frame({}),
      choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
      usage,
    };
    const payloads = [
      frame({ role: "assistant", reasoning_content: "Say" }),
      frame({ reasoning_content: " hi." }),
      frame({ content: "Hi!" }),
      last,
    ];
    const text = payloads.map((payload) => `data: ${JSON.stringify(payload)}\n\n`).join("") +
      "data: [DONE]\n\n";
    const { items, error } = await collectUntilError(
      codec.decodeChatStream(streamText(text, 5), decodeContext(true)),
    );
    const deltas = items.flatMap((item: ChatChunk) => item.choices.map((choice) => choice.delta));
    const reasoning = deltas.map((delta) => delta.reasoning_content ?? "").join("");
    const content = deltas.map((delta) => delta.content ?? "").join("");
    const final = items.find((item) => item.usage !== null && item.usage !== undefined);

    expect(error).toBeNull();
    expect(reasoning).toBe("Say hi.");
    expect(content).toBe("Hi!");
    expect(final?.usage?.prompt_tokens_details?.cached_tokens).toBe(8);
  });

  const errors: [number, string, ErrorCode][] = [
    [401, "1000", "upstream_auth_failed"],
    [429, "1113", "upstream_rate_limited"],
    [400, "1214", "upstream_bad_request"],
    [500, "500", "upstream_error"],
  ];
  for (const [status, glmCode, code] of errors) {
    test(`error ${status} with GLM code ${glmCode}`, () => {
      const body = JSON.stringify({ error: { code: glmCode, message: `glm failure ${glmCode}` } });
      const error = codec.decodeError(status, new Headers(), body);
      expect(error.code).toBe(code);
      expect(error.message).toContain(`glm failure ${glmCode}`);
    });
  }
});
