import { describe, expect, test } from "bun:test";
import { collectTexts, writeText } from "../../../runtime/hooks/text-segments.ts";

describe("text segments of a body", () => {
  test("chat bodies yield every role, tool arguments, ids and tool results", () => {
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
      "Be brief.", "Mail a@b.co", "call_1", "send", "{\"to\":\"a@b.co\"}", "call_1",
      "sent to a@b.co",
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
    expect(texts).toEqual([
      "Rules", "toolu_1", "lookup", "x@y.org", "toolu_1", "found x@y.org", "hm",
    ]);
  });

  test("a segment's text is written back at its path", () => {
    const body = { messages: [{ role: "user", content: [{ type: "text", text: "secret" }] }] };
    const [segment] = collectTexts(body);
    writeText(body, segment!.path, "[REDACTED]");
    expect(body.messages[0]!.content[0]!.text).toBe("[REDACTED]");
  });

  test("keys that are not field names are texts, and can be renamed", () => {
    const body = { metadata: { "jane@example.com": "vip", plain_key: "x" } };
    const segments = collectTexts(body);
    expect(segments.map((segment) => segment.text)).toEqual(["jane@example.com", "vip", "x"]);

    writeText(body, segments[0]!.path, "[EMAIL]");
    expect(Object.keys(body.metadata)).toEqual(["[EMAIL]", "plain_key"]);
  });

  test("base64 payloads and data URLs are skipped, URLs and schema text are not", () => {
    const body = {
      messages: [{ role: "user", content: [
        { type: "image_url", image_url: { url: `data:image/png;base64,${"A".repeat(400)}` } },
        { type: "image_url", image_url: { url: "https://x.test/?ssn=123-45-6789" } },
        { type: "document", source: { type: "base64", data: "QUJD".repeat(100) } },
        { type: "document", source: { type: "text", data: "card 4111 1111 1111 1111" } },
      ] }],
      response_format: { type: "json_schema", json_schema: { name: "n",
        schema: { description: "mail jane@example.com" } } },
    };
    expect(collectTexts(body).map((segment) => segment.text)).toEqual([
      "https://x.test/?ssn=123-45-6789", "card 4111 1111 1111 1111", "n",
      "mail jane@example.com",
    ]);
  });
});
