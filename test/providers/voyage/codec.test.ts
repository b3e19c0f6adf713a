import { describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import { voyageCodec } from "../../../runtime/providers/voyage/codec.ts";
import { target } from "./target.ts";

const chat = { model: "m", messages: [{ role: "user", content: "hi" }] } as ChatRequest;
const expected = expect.objectContaining({
  code: "unsupported_parameter",
  status: 400,
  message: expect.stringContaining("embeddings only"),
});

describe("Voyage codec", () => {
  test("capabilities", () => {
    expect(voyageCodec.type).toBe("voyage");
    expect(voyageCodec.capabilities.embeddings).toBe(true);
    expect(voyageCodec.capabilities.multipleChoices).toBe(false);
  });

  test("chat encode rejected", () => {
    expect(() => voyageCodec.encodeChatRequest(chat, target)).toThrow(expected);
  });

  test("chat decode rejected", () => {
    const context = { clientModel: "m", request: chat };
    expect(() => voyageCodec.decodeChatResponse({}, context)).toThrow(expected);
  });

  test("chat stream rejected", async () => {
    const context = { clientModel: "m", request: chat };
    const read = async () => {
      for await (const _chunk of voyageCodec.decodeChatStream(new ReadableStream(), context)) {
        // A chunk here would mean the codec decoded chat, which it must not.
        throw new Error("decodeChatStream yielded a chunk");
      }
    };
    await expect(read()).rejects.toThrow(expected);
  });
});
