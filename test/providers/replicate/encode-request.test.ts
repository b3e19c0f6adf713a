import { describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import type { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { replicateCodec } from "../../../runtime/providers/replicate/codec.ts";
import { buildBody } from "../../../runtime/providers/replicate/encode-request.ts";
import { replicateTarget } from "./target.ts";

function request(fields: Partial<ChatRequest>): ChatRequest {
  return { model: "llama", messages: [{ role: "user", content: "Hello" }], ...fields };
}

function rejection(fields: Partial<ChatRequest>): NexusError {
  try {
    buildBody(request(fields));
  } catch (error) {
    return error as NexusError;
  }
  throw new Error("expected the request to be rejected");
}

describe("replicate encodeChatRequest", () => {
  test("creates a prediction for the model", () => {
    const encoded = replicateCodec.encodeChatRequest(request({}), replicateTarget({
      headers: { "x-extra": "1" },
    }));
    expect(encoded.method).toBe("POST");
    expect(encoded.url).toBe(
      "https://api.replicate.com/v1/models/meta/meta-llama-3-70b-instruct/predictions",
    );
    expect(encoded.headers.authorization).toBe("Bearer r8_test_token");
    expect(encoded.headers["content-type"]).toBe("application/json");
    expect(encoded.headers.prefer).toBe("wait=5");
    expect(encoded.headers["x-extra"]).toBe("1");
    expect(JSON.parse(encoded.body)).toEqual({ input: { prompt: "Hello" } });
  });

  test("streaming asks for a stream without waiting", () => {
    const encoded = replicateCodec.encodeChatRequest(request({ stream: true }), replicateTarget());
    expect(encoded.headers.prefer).toBeUndefined();
    expect(JSON.parse(encoded.body)).toEqual({ input: { prompt: "Hello" }, stream: true });
  });

  test("maps sampling parameters to inputs", () => {
    const body = buildBody(request({
      max_tokens: 100,
      max_completion_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: 0.25,
      stop: ["END", "\n\nUser:", ""],
      user: "someone",
    }));
    expect(body.input).toEqual({
      prompt: "Hello",
      max_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: 0.25,
      stop_sequences: "END,\n\nUser:",
    });
  });

  test("system messages become system_prompt", () => {
    const body = buildBody(request({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: [{ type: "text", text: "Hi " }, { type: "text", text: "there" }] },
      ],
    }));
    expect(body.input.system_prompt).toBe("Be brief.\n\nAnswer in French.");
    expect(body.input.prompt).toBe("Hi there");
  });

  test("a conversation becomes a transcript", () => {
    const body = buildBody(request({
      messages: [
        { role: "user", content: "What is 2+2?" },
        { role: "assistant", content: "4" },
        { role: "user", content: "And times 3?" },
      ],
    }));
    expect(body.input.prompt).toBe("User: What is 2+2?\n\nAssistant: 4\n\nUser: And times 3?");
    expect(body.input.system_prompt).toBeUndefined();
  });

  test("rejects what the inputs cannot carry", () => {
    const cases: [Partial<ChatRequest>, string][] = [
      [{ n: 2 }, "n"],
      [{ tools: [{ type: "function", function: { name: "f" } }] }, "tools"],
      [{ response_format: { type: "json_object" } }, "response_format"],
      [{ response_format: { type: "json_schema", json_schema: { name: "s" } } }, "response_format"],
      [{ logprobs: true }, "logprobs"],
      [{ stop: ["a,b"] }, "stop"],
      [{ messages: [{ role: "user", content: [
        { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
      ] }] }, "messages[0].content[0]"],
      [{ messages: [{ role: "tool", content: "42", tool_call_id: "c1" }] }, "messages[0]"],
    ];
    for (const [fields, param] of cases) {
      const error = rejection(fields);
      expect(error.code).toBe("unsupported_parameter");
      expect(error.status).toBe(400);
      expect(error.param).toBe(param);
    }
  });

  test("rejects a conversation without turns", () => {
    const error = rejection({ messages: [{ role: "system", content: "alone" }] });
    expect(error.code).toBe("invalid_request");
  });

  test("rejects a model name that is not owner/name", () => {
    for (const upstreamModel of ["llama", "a/b/c", "../predictions", "meta/llama?x=1"]) {
      const encode = () =>
        replicateCodec.encodeChatRequest(request({}), replicateTarget({ upstreamModel }));
      expect(encode).toThrow("is not of the form owner/name");
    }
  });
});
