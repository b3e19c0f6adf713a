import { describe, expect, test } from "bun:test";
import { mapContentThinking } from "../../../runtime/providers/compat/map-content-thinking.ts";

type Json = Record<string, unknown>;

const THINKING = { type: "thinking", thinking: [{ type: "text", text: "Two and two." }] };

describe("content thinking parts", () => {
  test("a message splits into content and reasoning", () => {
    const message: Json = { role: "assistant", content: [THINKING, { type: "text", text: "4" }] };
    expect(mapContentThinking(message, "message")).toEqual({
      role: "assistant",
      content: "4",
      reasoning_content: "Two and two.",
    });
  });

  test("a thinking-only message has null content", () => {
    const message: Json = { role: "assistant", content: [THINKING] };
    const mapped = mapContentThinking(message, "message");
    expect(mapped.content).toBeNull();
    expect(mapped.reasoning_content).toBe("Two and two.");
  });

  test("a thinking-only delta has no content", () => {
    const delta: Json = { content: [THINKING] };
    const mapped = mapContentThinking(delta, "delta");
    expect("content" in mapped).toBe(false);
    expect(mapped.reasoning_content).toBe("Two and two.");
  });

  test("an unknown part keeps the object as sent", () => {
    const delta = { content: [THINKING, { type: "image_url", image_url: { url: "x" } }] };
    expect(mapContentThinking(delta, "delta")).toBe(delta);
  });

  test("a string content is left alone", () => {
    const delta = { content: "plain" };
    expect(mapContentThinking(delta, "delta")).toBe(delta);
  });
});
