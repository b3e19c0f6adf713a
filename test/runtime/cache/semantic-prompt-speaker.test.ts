import { describe, expect, test } from "bun:test";
import type { ChatMessage, ChatRequest } from "../../../runtime/canonical/chat.ts";
import { semanticPrompt } from "../../../runtime/cache/semantic-prompt.ts";

const target = { providerId: "openai", upstreamModel: "gpt-4o-mini" };

function shapeOf(messages: ChatMessage[]): string {
  const request = { model: "gpt-test", messages } as ChatRequest;
  const prompt = semanticPrompt(request, target);
  if (prompt === null) throw new Error("expected a semantic prompt");
  return prompt.shape;
}

describe("semantic prompt speaker shape", () => {
  test("user name is part of the shape", () => {
    const alice = shapeOf([{ role: "user", name: "alice", content: "my balance?" }]);
    const bob = shapeOf([{ role: "user", name: "bob", content: "my balance?" }]);
    const nameless = shapeOf([{ role: "user", content: "my balance?" }]);
    expect(alice).not.toBe(bob);
    expect(alice).not.toBe(nameless);
  });

  test("system message position is part of the shape", () => {
    const late = shapeOf([
      { role: "system", content: "A" },
      { role: "user", content: "q" },
      { role: "assistant", content: "a" },
      { role: "system", content: "B" },
      { role: "user", content: "x" },
    ]);
    const early = shapeOf([
      { role: "system", content: "A" },
      { role: "system", content: "B" },
      { role: "user", content: "q" },
      { role: "assistant", content: "a" },
      { role: "user", content: "x" },
    ]);
    expect(late).not.toBe(early);
  });

  test("system and developer roles differ", () => {
    const system = shapeOf([{ role: "system", content: "A" }, { role: "user", content: "q" }]);
    const developer = shapeOf([
      { role: "developer", content: "A" },
      { role: "user", content: "q" },
    ]);
    expect(system).not.toBe(developer);
  });

  test("system name is part of the shape", () => {
    const named = shapeOf([
      { role: "system", name: "ops", content: "A" },
      { role: "user", content: "q" },
    ]);
    const plain = shapeOf([{ role: "system", content: "A" }, { role: "user", content: "q" }]);
    expect(named).not.toBe(plain);
  });

  test("embedded text stays out of the shape", () => {
    const one = shapeOf([{ role: "system", content: "A" }, { role: "user", content: "one" }]);
    const two = shapeOf([{ role: "system", content: "B" }, { role: "user", content: "two" }]);
    expect(one).toBe(two);
  });
});
