import { describe, expect, test } from "bun:test";
import { collectTexts, writeText } from "../../../runtime/hooks/text-segments.ts";

describe("text segments of a body", () => {
  test("chat bodies yield every role, tool arguments and tool results", () => {
    const body = {
      model: "gpt-test",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "Mail a@b.co" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] },
        { role: "assistant", tool_calls: [{ id: "call_1", type: "function",
          function: { name: "send", arguments: "{\"to\":\"a@b.co\"}" } }] },
        { role: "tool", tool_call_id: "call_1", content: "sent to a@b.co" },
      ],
    };
    const texts = collectTexts(body).map((segment) => segment.text);
    expect(texts).toEqual([
      "Be brief.", "Mail a@b.co", "send", "{\"to\":\"a@b.co\"}", "sent to a@b.co",
    ]);
  });

  test("anthropic bodies yield system, tool_use input and tool_result content", () => {
    const body = {
      model: "claude",
      system: [{ type: "text", text: "Rules", cache_control: { type: "ephemeral" } }],
      messages: [
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "lookup",
          input: { email: "x@y.org" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1",
          content: [{ type: "text", text: "found x@y.org" }] }] },
        { role: "assistant", content: [{ type: "thinking", thinking: "hm", signature: "sig" }] },
      ],
    };
    const texts = collectTexts(body).map((segment) => segment.text);
    expect(texts).toEqual(["Rules", "lookup", "x@y.org", "found x@y.org", "hm"]);
  });

  test("a segment's text is written back at its path", () => {
    const body = { messages: [{ role: "user", content: [{ type: "text", text: "secret" }] }] };
    const [segment] = collectTexts(body);
    writeText(body, segment!.path, "[REDACTED]");
    expect(body.messages[0]!.content[0]!.text).toBe("[REDACTED]");
  });
});
