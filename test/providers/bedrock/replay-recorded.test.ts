import { describe, expect, test } from "bun:test";
import type { ChatChunk } from "../../../runtime/canonical/chat.ts";
import { bedrockCodec } from "../../../runtime/providers/bedrock/codec.ts";
import { byteStream, collectWithError } from "../../support/byte-stream.ts";
import { fixturesAvailable } from "../../support/fixtures.ts";
import {
  bedrockFixturesPresent,
  concat,
  contextFor,
  messagesFromChunks,
  readBedrockFixture,
} from "./frames.ts";

const present = fixturesAvailable() && bedrockFixturesPresent;
const NAMES = ["amazon-bedrock-text", "amazon-bedrock-reasoning"];

interface Expected {
  text: string;
  reasoning: string;
  signatures: string[];
  stopReason: string;
  usage: Record<string, number>;
}

/** What a client should see, read straight from the recorded JSON body. */
function expectedFromJson(body: Record<string, any>): Expected {
  const blocks: Record<string, any>[] = body.output.message.content;
  return {
    text: blocks.map((block) => block.text ?? "").join(""),
    reasoning: blocks.map((block) => block.reasoningContent?.reasoningText?.text ?? "").join(""),
    signatures: blocks.flatMap((block) => {
      const signature = block.reasoningContent?.reasoningText?.signature;
      return signature === undefined ? [] : [signature];
    }),
    stopReason: body.stopReason,
    usage: body.usage,
  };
}

/** What a client should see, read straight from the recorded stream events. */
function expectedFromChunks(text: string): Expected {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const events = lines.map((line) => JSON.parse(line));
  const deltas = events.flatMap((event) => event.contentBlockDelta?.delta ?? []);
  return {
    text: deltas.map((delta) => delta.text ?? "").join(""),
    reasoning: deltas.map((delta) => delta.reasoningContent?.text ?? "").join(""),
    signatures: deltas.flatMap((delta) => delta.reasoningContent?.signature ?? []),
    stopReason: events.find((event) => event.messageStop)!.messageStop.stopReason,
    usage: events.find((event) => event.metadata)!.metadata.usage,
  };
}

function expectUsage(actual: unknown, usage: Record<string, number>): void {
  const read = usage.cacheReadInputTokens ?? 0;
  const write = usage.cacheWriteInputTokens ?? 0;
  const prompt = usage.inputTokens! + read + write;
  expect(actual).toEqual({
    prompt_tokens: prompt,
    completion_tokens: usage.outputTokens!,
    total_tokens: prompt + usage.outputTokens!,
    prompt_tokens_details: { cached_tokens: read, cache_write_tokens: write },
  });
  // Without cache tokens the total is Bedrock's own totalTokens.
  if (read + write === 0) {
    expect((actual as { total_tokens: number }).total_tokens).toBe(usage.totalTokens!);
  }
}

test("recorded Bedrock fixtures present", () => {
  if (process.env.CI === "true") expect(present).toBe(true);
});

describe.skipIf(!present)("recorded Bedrock answers decode", () => {
  for (const name of NAMES) {
    test(`${name}.json`, () => {
      const body = JSON.parse(readBedrockFixture(`${name}.json`));
      const expected = expectedFromJson(body);
      const response = bedrockCodec.decodeChatResponse(body, contextFor());
      const message = response.choices[0]!.message;

      expect(response.object).toBe("chat.completion");
      expect(response.model).toBe("client-model");
      expect(response.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
      expect(message.role).toBe("assistant");
      expect(message.content).toBe(expected.text);
      expect(message.tool_calls).toBeUndefined();
      expect(message.reasoning_content ?? "").toBe(expected.reasoning);
      expect((message.reasoning_details ?? []).map((detail) => detail.signature)).toEqual(
        expected.signatures,
      );
      expect(expected.stopReason).toBe("end_turn");
      expect(response.choices[0]!.finish_reason).toBe("stop");
      expectUsage(response.usage, expected.usage);
    });
  }

  for (const name of NAMES) {
    for (const readSize of [0, 1, 9]) {
      test(`${name}.chunks.txt in reads of ${readSize || "all"}`, async () => {
        const text = readBedrockFixture(`${name}.chunks.txt`);
        const expected = expectedFromChunks(text);
        const bytes = concat(messagesFromChunks(text));
        const { chunks, error } = await collectWithError<ChatChunk>(
          bedrockCodec.decodeChatStream(byteStream(bytes, readSize), contextFor()),
        );
        const deltas = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta));

        expect(error).toBeNull();
        expect(deltas[0]!.role).toBe("assistant");
        expect(deltas.map((delta) => delta.content ?? "").join("")).toBe(expected.text);
        expect(deltas.map((delta) => delta.reasoning_content ?? "").join("")).toBe(
          expected.reasoning,
        );
        const details = deltas.flatMap((delta) => delta.reasoning_details ?? []);
        expect(details.map((detail) => detail.signature)).toEqual(expected.signatures);
        const finishes = chunks.flatMap((chunk) => chunk.choices.map((c) => c.finish_reason));
        expect(finishes.filter((reason) => reason !== null)).toEqual(["stop"]);
        expect(chunks.at(-1)!.choices).toEqual([]);
        expectUsage(chunks.at(-1)!.usage, expected.usage);
        expect(chunks.slice(0, -1).every((chunk) => chunk.usage === undefined)).toBe(true);
      });
    }
  }
});
