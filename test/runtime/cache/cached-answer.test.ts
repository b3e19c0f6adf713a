import { describe, expect, test } from "bun:test";
import type { ChatChunk, ChatResponse } from "../../../runtime/canonical/chat.ts";
import {
  decodeCachedAnswer,
  encodeCachedAnswer,
  isCacheableResponse,
  isCacheableStream,
} from "../../../runtime/cache/cached-answer.ts";

function response(choice: Partial<ChatResponse["choices"][number]>): ChatResponse {
  return {
    id: "chatcmpl-1", object: "chat.completion", created: 1, model: "gpt-test",
    choices: [{
      index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop", ...choice,
    }],
  };
}

function chunk(delta: ChatChunk["choices"][number]["delta"], finish: string | null): ChatChunk {
  return {
    id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-test",
    choices: [{ index: 0, delta, finish_reason: finish as "stop" | null }],
  };
}

describe("cacheable JSON answers", () => {
  test("finished answer is cacheable", () => {
    expect(isCacheableResponse(response({}))).toBe(true);
  });

  test("content filter is not", () => {
    expect(isCacheableResponse(response({ finish_reason: "content_filter" }))).toBe(false);
  });

  test("refusal is not", () => {
    const refused = response({ message: { role: "assistant", content: null, refusal: "No." } });
    expect(isCacheableResponse(refused)).toBe(false);
  });

  test("unfinished is not", () => {
    expect(isCacheableResponse(response({ finish_reason: null }))).toBe(false);
  });
});

describe("cacheable streams", () => {
  test("finished stream is cacheable", () => {
    expect(isCacheableStream([chunk({ content: "Hi" }, null), chunk({}, "stop")])).toBe(true);
  });

  test("stream without finish is not", () => {
    expect(isCacheableStream([chunk({ content: "Hi" }, null)])).toBe(false);
  });

  test("refusal delta is not", () => {
    expect(isCacheableStream([chunk({ refusal: "No." }, null), chunk({}, "stop")])).toBe(false);
  });

  test("content filter finish is not", () => {
    expect(isCacheableStream([chunk({ content: "Hi" }, "content_filter")])).toBe(false);
  });
});

describe("cached answer encoding", () => {
  test("round-trips", () => {
    const answer = { kind: "json" as const, response: response({}) };
    expect(decodeCachedAnswer(encodeCachedAnswer(answer))).toEqual(answer);
  });

  test("unknown version is a miss", () => {
    expect(decodeCachedAnswer('{"v":2,"kind":"json","response":{}}')).toBeNull();
    expect(decodeCachedAnswer("not json")).toBeNull();
  });
});
