import { describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { replicateCodec } from "../../../runtime/providers/replicate/codec.ts";

const REQUEST: ChatRequest = { model: "llama-test", messages: [{ role: "user", content: "hi" }] };
const CONTEXT = { clientModel: "llama-test", request: REQUEST };

function decodeError(body: unknown): NexusError {
  try {
    replicateCodec.decodeChatResponse(body, CONTEXT);
  } catch (error) {
    return error as NexusError;
  }
  throw new Error("expected an error");
}

describe("replicate decodeChatResponse", () => {
  test("joins output pieces and maps metrics", () => {
    const response = replicateCodec.decodeChatResponse({
      id: "p1",
      status: "succeeded",
      output: ["Hel", "lo", "\n", "world"],
      metrics: { input_token_count: 9, output_token_count: 4, predict_time: 0.3 },
    }, CONTEXT);
    expect(response.id).toBe("chatcmpl-replicate-p1");
    expect(response.model).toBe("llama-test");
    expect(response.choices[0]?.message).toEqual({ role: "assistant", content: "Hello\nworld" });
    expect(response.choices[0]?.finish_reason).toBe("stop");
    expect(response.usage).toEqual({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
  });

  test("string output and no metrics", () => {
    const response = replicateCodec.decodeChatResponse(
      { id: "p2", status: "succeeded", output: "plain" }, CONTEXT);
    expect(response.choices[0]?.message.content).toBe("plain");
    expect(response.usage).toBeUndefined();
  });

  test("failed prediction maps to upstream_error", () => {
    const error = decodeError({ id: "p3", status: "failed", error: "model crashed" });
    expect(error.code).toBe("upstream_error");
    expect(error.status).toBe(502);
    expect(error.message).toContain("p3 failed: model crashed");
  });

  test("canceled prediction maps to upstream_error", () => {
    const error = decodeError({ id: "p4", status: "canceled" });
    expect(error.code).toBe("upstream_error");
    expect(error.message).toContain("p4 was canceled");
  });

  test("non-text output is an invalid response", () => {
    const error = decodeError({ id: "p5", status: "succeeded", output: [{ url: "x.png" }] });
    expect(error.code).toBe("upstream_invalid_response");
  });

  test("unfinished prediction is an invalid response", () => {
    expect(decodeError({ id: "p6", status: "processing" }).code)
      .toBe("upstream_invalid_response");
  });
});
