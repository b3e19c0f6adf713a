import { describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import { promptTextOf, semanticPrompt } from "../../../runtime/cache/semantic-prompt.ts";

const target = { providerId: "openai", upstreamModel: "gpt-4o-mini" };

function request(messages: ChatRequest["messages"], extra: Partial<ChatRequest> = {}) {
  return { model: "gpt-test", messages, ...extra } as ChatRequest;
}

describe("semantic prompt", () => {
  test("embeds system prompt and last user message", () => {
    const prompt = semanticPrompt(request([
      { role: "system", content: "Be brief." },
      { role: "user", content: [{ type: "text", text: "Hello" }] },
    ]), target);
    expect(prompt?.text).toBe("Be brief.\n\nHello");
  });

  test("shape ignores the embedded text", () => {
    const a = semanticPrompt(request([{ role: "user", content: "one" }]), target);
    const b = semanticPrompt(request([{ role: "user", content: "two" }]), target);
    expect(a?.shape).toBe(b!.shape);
    expect(a?.fingerprint).not.toBe(b!.fingerprint);
  });

  test("shape includes params and history", () => {
    const base = semanticPrompt(request([{ role: "user", content: "q" }]), target)!.shape;
    const warmer = semanticPrompt(request([{ role: "user", content: "q" }],
      { temperature: 1 }), target)!.shape;
    const withHistory = semanticPrompt(request([
      { role: "user", content: "earlier" },
      { role: "assistant", content: "reply" },
      { role: "user", content: "q" },
    ]), target)!.shape;
    const otherModel = semanticPrompt(request([{ role: "user", content: "q" }]),
      { providerId: "openai", upstreamModel: "gpt-4o" })!.shape;
    expect(new Set([base, warmer, withHistory, otherModel]).size).toBe(4);
  });

  test("no prompt without trailing user text", () => {
    expect(promptTextOf([{ role: "user", content: "q" }, { role: "assistant", content: "a" }]))
      .toBeNull();
    expect(promptTextOf([{
      role: "user",
      content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AA" } }],
    }])).toBeNull();
    expect(promptTextOf([])).toBeNull();
  });
});
