import { describe, expect, test } from "bun:test";
import {
  answerCacheKey,
  answerFingerprint,
  type CacheApi,
  shapingFields,
} from "../../../runtime/cache/answer-cache-key.ts";
import { chatCacheKey, chatFingerprint } from "../../../runtime/cache/chat-cache-key.ts";

const target = { providerId: "openai", upstreamModel: "gpt-4o-mini" };
const namespace = { org: "acme", keyId: null };
const APIS: CacheApi[] = ["chat", "messages", "responses", "embeddings"];

describe("answer cache key", () => {
  test("APIs never share a key", () => {
    const fingerprint = "f".repeat(64);
    const keys = APIS.map((api) => answerCacheKey(api, fingerprint, namespace, "json"));
    expect(new Set(keys).size).toBe(APIS.length);
  });

  test("chat key keeps its prefix", () => {
    const fingerprint = chatFingerprint({ model: "m", messages: [] }, target);
    expect(chatCacheKey(fingerprint, namespace, "json"))
      .toBe(answerCacheKey("chat", fingerprint, namespace, "json"));
    expect(chatCacheKey(fingerprint, namespace, "json")).toStartWith("nexus:chat:v1:org:acme:");
  });

  test("same body of two APIs differs", () => {
    const parts = { request: { model: "m", input: "hi" } };
    const messages = answerFingerprint("messages", target, parts);
    const responses = answerFingerprint("responses", target, parts);
    expect(messages).not.toBe(responses);
    expect(messages).toMatch(/^[0-9a-f]{64}$/);
  });

  test("target changes fingerprint", () => {
    const parts = { request: { input: "hi" } };
    const other = { providerId: "azure", upstreamModel: "gpt-4o-mini" };
    expect(answerFingerprint("embeddings", target, parts))
      .not.toBe(answerFingerprint("embeddings", other, parts));
  });

  test("key order does not matter", () => {
    const a = answerFingerprint("responses", target, { request: { a: 1, b: { c: 2, d: 3 } } });
    const b = answerFingerprint("responses", target, { request: { b: { d: 3, c: 2 }, a: 1 } });
    expect(a).toBe(b);
  });

  test("ignored fields are dropped", () => {
    const body = { input: "hi", user: "alice", stream: true };
    expect(shapingFields(body, ["user", "stream"])).toEqual({ input: "hi" });
    expect(body.user).toBe("alice");
  });
});
