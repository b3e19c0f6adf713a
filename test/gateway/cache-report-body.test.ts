import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;

beforeAll(async () => {
  harness = await startHarness({ extra: () => ({ cache: { enabled: true, ttlSeconds: 60 } }) });
  key = await harness.createKey();
});

afterAll(async () => {
  await harness.close();
});

function report(body: unknown): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/cache/report`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

interface OpenAIError {
  error: { code: string; type: string; param: string | null; message: string };
}

describe("cache report body", () => {
  const rejected: [string, unknown, string | null][] = [
    ["user message without content", { messages: [{ role: "user" }] }, "messages.0.content"],
    ["null user content", { messages: [{ role: "user", content: null }] }, "messages.0.content"],
    ["numeric content", { messages: [{ role: "user", content: 3 }] }, "messages.0.content"],
    ["part without type", { messages: [{ role: "user", content: [{ text: "hi" }] }] },
      "messages.0.content"],
    ["system message without content",
      { messages: [{ role: "system" }, { role: "user", content: "hi" }] }, "messages.0.content"],
    ["empty messages", { messages: [] }, null],
  ];

  for (const [label, body, param] of rejected) {
    test(`rejects ${label}`, async () => {
      const response = await report(body);
      expect(response.status).toBe(400);
      const parsed = (await response.json()) as OpenAIError;
      expect(parsed.error.code).toBe("invalid_request");
      expect(parsed.error.type).toBe("invalid_request_error");
      expect(parsed.error.param).toBe(param);

      const event = await harness.event(response.headers.get("x-request-id")!);
      expect(event?.status).toBe(400);
      expect(event?.errorCode).toBe("invalid_request");
    });
  }

  test("assistant tool call without content is accepted", async () => {
    const response = await report({
      messages: [
        { role: "user", content: "What is the weather?" },
        { role: "assistant", tool_calls: [{ id: "call_1", type: "function",
          function: { name: "weather", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
        { role: "user", content: "Thanks, and tomorrow?" },
      ],
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { blocked: boolean }).blocked).toBe(true);
  });
});
