import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ChatChunk, ChatRequest, ChatResponse } from "../../../runtime/canonical/chat.ts";
import { codecFor } from "../../../runtime/providers/registry.ts";
import { collectUntilError } from "../openai/byte-streams.ts";
import {
  fixturesAvailable,
  frameChunkLines,
  readFixtureText,
  RECORDED_DIR,
} from "../openai/recorded-fixtures.ts";
import { mergeChunks, readDataPayloads } from "../openai/stream-oracle.ts";
import { CLIENT_MODEL, decodeContext, FixtureUpstream } from "./fixture-upstream.ts";

type Json = Record<string, unknown>;

/** One recorded exchange and the facts its decoding must show, beside what the oracle reads. */
interface ContractCase {
  type: string;
  fixture: string;
  finishReason: string;
  toolName: string | null;
  hasReasoning: boolean;
  /** `prompt_tokens_details.cached_tokens` after decoding, as [JSON, stream], or undefined. */
  cachedTokens: [number | undefined, number | undefined];
  /** Whether the recording carries `content` as text and thinking parts, to be split. */
  thinkingParts?: boolean;
}

const CASES: ContractCase[] = [
  {
    type: "deepseek",
    fixture: "vercel-ai/deepseek/deepseek-tool-call",
    finishReason: "tool_calls",
    toolName: "weather",
    hasReasoning: true,
    cachedTokens: [320, 320],
  },
  {
    type: "deepseek",
    fixture: "vercel-ai/deepseek/deepseek-reasoning",
    finishReason: "stop",
    toolName: null,
    hasReasoning: true,
    cachedTokens: [0, undefined],
  },
  {
    type: "groq",
    fixture: "vercel-ai/groq/groq-tool-call",
    finishReason: "tool_calls",
    toolName: "weather",
    hasReasoning: false,
    cachedTokens: [undefined, undefined],
  },
  {
    type: "mistral",
    fixture: "vercel-ai/mistral/mistral-text",
    finishReason: "stop",
    toolName: null,
    hasReasoning: false,
    cachedTokens: [undefined, undefined],
  },
  {
    type: "mistral",
    fixture: "vercel-ai/mistral/mistral-tool-call",
    finishReason: "tool_calls",
    toolName: "weather",
    hasReasoning: false,
    cachedTokens: [undefined, undefined],
  },
  {
    type: "mistral",
    fixture: "vercel-ai/mistral/mistral-reasoning",
    finishReason: "stop",
    toolName: null,
    hasReasoning: true,
    cachedTokens: [undefined, undefined],
    thinkingParts: true,
  },
  {
    type: "xai",
    fixture: "vercel-ai/xai/xai-tool-call",
    finishReason: "tool_calls",
    toolName: "weather",
    hasReasoning: true,
    cachedTokens: [244, 290],
  },
];

const upstream = fixturesAvailable ? new FixtureUpstream() : null;
afterAll(() => upstream?.close());

function request(stream: boolean): ChatRequest {
  return { model: CLIENT_MODEL, messages: [{ role: "user", content: "Hi" }], stream };
}

function fixtureExists(relativePath: string): boolean {
  return existsSync(join(RECORDED_DIR, relativePath));
}

async function decodeJson(contract: ContractCase): Promise<{ sent: Json; decoded: ChatResponse }> {
  const text = readFixtureText(`${contract.fixture}.json`);
  const codec = codecFor(contract.type);
  const response = await upstream!.send(codec, request(false), text);
  const decoded = codec.decodeChatResponse(await response.json(), decodeContext(false));
  return { sent: JSON.parse(text) as Json, decoded };
}

async function decodeStream(contract: ContractCase): Promise<{ sse: string; items: ChatChunk[] }> {
  const sse = frameChunkLines(readFixtureText(`${contract.fixture}.chunks.txt`));
  const codec = codecFor(contract.type);
  const response = await upstream!.send(codec, request(true), sse);
  const { items, error } = await collectUntilError(
    codec.decodeChatStream(response.body!, decodeContext(true)),
  );
  expect(error).toBeNull();
  return { sse, items };
}

/**
 * The message as the codec should give it: for recordings with content parts, the text parts
 * joined into `content` and the thinking parts' texts into `reasoning_content`, read here
 * directly from the recording.
 */
function sentMessage(sent: Json, contract: ContractCase): Json {
  const message = ((sent.choices as Json[])[0] as Json).message as Json;
  if (contract.thinkingParts !== true) return message;

  const parts = message.content as Json[];
  return {
    ...message,
    content: textOf(parts, "text"),
    reasoning_content: textOf(parts, "thinking"),
  };
}

/** Joins the texts of the parts of one type; thinking parts nest their text parts. */
function textOf(parts: Json[], type: "text" | "thinking"): string {
  const chosen = parts.filter((part) => part.type === type);
  if (type === "text") return chosen.map((part) => part.text as string).join("");
  return chosen.flatMap((part) => part.thinking as Json[]).map((inner) => inner.text).join("");
}

describe.skipIf(!fixturesAvailable)("compat codecs on recorded JSON", () => {
  for (const contract of CASES) {
    test(`${contract.type}: ${contract.fixture}.json`, async () => {
      const { sent, decoded } = await decodeJson(contract);
      const choice = decoded.choices[0]!;
      const message = sentMessage(sent, contract);

      expect(decoded.model).toBe(CLIENT_MODEL);
      expect(choice.finish_reason as string).toBe(contract.finishReason);
      expect(choice.message.content as unknown).toEqual(message.content);

      const names = (choice.message.tool_calls ?? []).map((call) => call.function.name);
      expect(names).toEqual(contract.toolName === null ? [] : [contract.toolName]);
      for (const call of choice.message.tool_calls ?? []) expect(call.type).toBe("function");
      const sentArguments = ((message.tool_calls ?? []) as Json[])
        .map((call) => (call.function as Json).arguments);
      expect(choice.message.tool_calls?.map((call) => call.function.arguments) ?? [])
        .toEqual(sentArguments as string[]);

      const reasoning = choice.message.reasoning_content ?? "";
      expect(reasoning.length > 0).toBe(contract.hasReasoning);
      expect(reasoning).toBe((message.reasoning_content as string | undefined) ?? "");

      expect(decoded.usage?.prompt_tokens).toBe((sent.usage as Json).prompt_tokens as number);
      expect(decoded.usage?.prompt_tokens_details?.cached_tokens).toBe(contract.cachedTokens[0]);
    });
  }
});

describe.skipIf(!fixturesAvailable)("compat codecs on recorded streams", () => {
  const streamed = fixturesAvailable
    ? CASES.filter((contract) => fixtureExists(`${contract.fixture}.chunks.txt`))
    : [];

  test("every provider with recorded streams is covered", () => {
    expect(new Set(streamed.map((c) => c.type))).toEqual(
      new Set(["deepseek", "groq", "mistral", "xai"]),
    );
  });

  for (const contract of streamed) {
    test(`${contract.type}: ${contract.fixture}.chunks.txt`, async () => {
      const { sse, items } = await decodeStream(contract);
      const decoded = mergeChunks(items as unknown as Json[]).choices[0]!;
      const sent = mergeChunks(readDataPayloads(sse)).choices[0]!;

      expect(items.every((chunk) => chunk.model === CLIENT_MODEL)).toBe(true);
      expect(decoded.finishReason).toBe(contract.finishReason);
      if (contract.thinkingParts === true) {
        expect(decoded.contentParts).toEqual([]);
        expect(decoded.content).toBe(textOf(sent.contentParts as Json[], "text"));
        expect(decoded.reasoning).toBe(textOf(sent.contentParts as Json[], "thinking"));
      } else {
        expect(decoded.content).toBe(sent.content);
        expect(decoded.contentParts).toEqual(sent.contentParts);
        expect(decoded.reasoning).toBe(sent.reasoning);
      }
      expect(decoded.reasoning.length > 0).toBe(contract.hasReasoning);

      const names = Object.values(decoded.toolCalls).map((call) => call.name);
      expect(names).toEqual(contract.toolName === null ? [] : [contract.toolName]);
      expect(Object.values(decoded.toolCalls).map((call) => call.arguments))
        .toEqual(Object.values(sent.toolCalls).map((call) => call.arguments));

      const last = items.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage?.prompt_tokens).toBeGreaterThan(0);
      expect(last.usage?.prompt_tokens_details?.cached_tokens).toBe(contract.cachedTokens[1]);
    });
  }
});

describe.skipIf(!fixturesAvailable)("deepseek cache usage", () => {
  test("hit and miss fields stay beside the mapped count", async () => {
    const contract = CASES[0]!;
    const { decoded } = await decodeJson(contract);
    const usage = decoded.usage as unknown as Json;

    expect(usage.prompt_cache_hit_tokens).toBe(320);
    expect(usage.prompt_cache_miss_tokens).toBe(19);
    expect(decoded.usage?.prompt_tokens_details?.cached_tokens).toBe(320);
  });

  // Older DeepSeek responses carry only their own cache fields, without OpenAI's details.
  test("hit field alone maps to cached_tokens", async () => {
    const sent = JSON.parse(readFixtureText("vercel-ai/deepseek/deepseek-tool-call.json")) as Json;
    delete (sent.usage as Json).prompt_tokens_details;
    delete (sent.usage as Json).prompt_cache_miss_tokens;
    const codec = codecFor("deepseek");
    const response = await upstream!.send(codec, request(false), JSON.stringify(sent));
    const decoded = codec.decodeChatResponse(await response.json(), decodeContext(false));

    expect(decoded.usage?.prompt_tokens_details).toEqual({ cached_tokens: 320 });
  });

  test("hit field alone maps in a stream", async () => {
    const lines = readFixtureText("vercel-ai/deepseek/deepseek-tool-call.chunks.txt")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => {
        const payload = JSON.parse(line) as Json;
        const usage = payload.usage as Json | null;
        if (usage !== null) {
          delete usage.prompt_tokens_details;
          delete usage.prompt_cache_miss_tokens;
        }
        return JSON.stringify(payload);
      });
    const codec = codecFor("deepseek");
    const response = await upstream!.send(codec, request(true), frameChunkLines(lines.join("\n")));
    const { items } = await collectUntilError(
      codec.decodeChatStream(response.body!, decodeContext(true)),
    );

    expect(items.at(-1)?.usage?.prompt_tokens_details).toEqual({ cached_tokens: 320 });
  });
});
