import { describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import {
  chatCacheKey,
  chatFingerprint,
  IGNORED_CHAT_FIELDS,
} from "../../../runtime/cache/chat-cache-key.ts";
import { canonicalJson } from "../../../runtime/cache/canonical-json.ts";

const TARGET = { providerId: "openai", upstreamModel: "gpt-4o-mini" };
const BASE: ChatRequest = {
  model: "gpt-test",
  messages: [{ role: "user", content: "Name three primes." }],
  temperature: 0.2,
};

/** One change per field that shapes the answer; each must give a different key. */
const SHAPING_CHANGES: [string, Partial<ChatRequest> & Record<string, unknown>][] = [
  ["model", { model: "gpt-alias" }],
  ["messages", { messages: [{ role: "user", content: "Name four primes." }] }],
  ["message role", { messages: [{ role: "system", content: "Name three primes." }] }],
  ["tools", { tools: [{ type: "function", function: { name: "lookup" } }] }],
  ["tool_choice", { tool_choice: "required" }],
  ["response_format", { response_format: { type: "json_object" } }],
  ["temperature", { temperature: 0.3 }],
  ["top_p", { top_p: 0.9 }],
  ["seed", { seed: 7 }],
  ["n", { n: 2 }],
  ["stop", { stop: ["\n"] }],
  ["max_tokens", { max_tokens: 64 }],
  ["max_completion_tokens", { max_completion_tokens: 64 }],
  ["reasoning_effort", { reasoning_effort: "high" }],
  ["logit_bias", { logit_bias: { "50256": -100 } }],
  ["presence_penalty", { presence_penalty: 0.5 }],
  ["frequency_penalty", { frequency_penalty: 0.5 }],
  ["parallel_tool_calls", { parallel_tool_calls: false }],
  ["logprobs", { logprobs: true }],
  ["an unknown field", { modalities: ["text"] }],
];

describe("chat cache fingerprint", () => {
  const base = chatFingerprint(BASE, TARGET);

  for (const [name, change] of SHAPING_CHANGES) {
    test(`changes with ${name}`, () => {
      expect(chatFingerprint({ ...BASE, ...change } as ChatRequest, TARGET)).not.toBe(base);
    });
  }

  test("changes with provider", () => {
    expect(chatFingerprint(BASE, { ...TARGET, providerId: "azure" })).not.toBe(base);
  });

  test("changes with upstream model", () => {
    expect(chatFingerprint(BASE, { ...TARGET, upstreamModel: "gpt-4o" })).not.toBe(base);
  });

  const ignored: [string, Partial<ChatRequest>][] = [
    ["user", { user: "alice" }],
    ["stream", { stream: true }],
    ["stream_options", { stream: true, stream_options: { include_usage: true } }],
    ["metadata", { metadata: { team: "search" } }],
  ];
  for (const [name, change] of ignored) {
    test(`ignores ${name}`, () => {
      expect(chatFingerprint({ ...BASE, ...change }, TARGET)).toBe(base);
    });
  }

  test("ignored list is the documented one", () => {
    expect([...IGNORED_CHAT_FIELDS]).toEqual(["stream", "stream_options", "user", "metadata"]);
  });

  test("ignores key order", () => {
    const reordered = { temperature: 0.2, messages: BASE.messages, model: "gpt-test" };
    expect(chatFingerprint(reordered, TARGET)).toBe(base);
  });

  test("is SHA-256 hex", () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("chat cache key", () => {
  const fingerprint = chatFingerprint(BASE, TARGET);

  test("separates orgs", () => {
    const acme = chatCacheKey(fingerprint, { org: "acme", keyId: null }, "json");
    const other = chatCacheKey(fingerprint, { org: "globex", keyId: null }, "json");
    expect(acme).not.toBe(other);
  });

  test("separates keys when per key", () => {
    const one = chatCacheKey(fingerprint, { org: "acme", keyId: "k1" }, "json");
    const two = chatCacheKey(fingerprint, { org: "acme", keyId: "k2" }, "json");
    expect(one).not.toBe(two);
    expect(one).not.toBe(chatCacheKey(fingerprint, { org: "acme", keyId: null }, "json"));
  });

  test("separates JSON and stream answers", () => {
    const namespace = { org: "acme", keyId: null };
    expect(chatCacheKey(fingerprint, namespace, "json"))
      .not.toBe(chatCacheKey(fingerprint, namespace, "stream"));
  });

  test("escapes separators in names", () => {
    const a = chatCacheKey(fingerprint, { org: "a:key:b", keyId: null }, "json");
    const b = chatCacheKey(fingerprint, { org: "a", keyId: "b" }, "json");
    expect(a).not.toBe(b);
  });
});

describe("canonical JSON", () => {
  test("sorts keys at every depth", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }))
      .toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
  });

  test("drops undefined properties", () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});
