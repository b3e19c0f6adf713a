import { describe, expect, test } from "bun:test";
import type { ChatResponse, ToolCall, Usage } from "../../../runtime/canonical/chat.ts";
import { geminiCodec } from "../../../runtime/providers/gemini/codec.ts";
import { expectedFinish, expectedFrom, type ExpectedAnswer } from "./expected.ts";
import {
  assemble,
  chunkLines,
  collect,
  contextFor,
  encoder,
  fixturesMustExist,
  fixturesPresent,
  frameSse,
  listFiles,
  readFixture,
  streamOf,
} from "./fixtures.ts";

const READ_SIZES = [0, 1, 7];

test("recorded fixtures present", () => {
  // Without the fixtures the replays below are skipped, which CI must not accept.
  if (fixturesMustExist) expect(fixturesPresent).toBe(true);
  expect(fixturesPresent || !fixturesMustExist).toBe(true);
});

/** Usage numbers computed straight from the fixture's usageMetadata. */
function expectUsage(usage: Usage | null | undefined, expected: ExpectedAnswer): void {
  const meta = expected.usage;
  const thoughts = meta.thoughtsTokenCount ?? 0;
  const completion = (meta.candidatesTokenCount ?? 0) + thoughts;
  expect(usage?.prompt_tokens).toBe(meta.promptTokenCount ?? 0);
  expect(usage?.completion_tokens).toBe(completion);
  expect(usage?.total_tokens).toBe((meta.promptTokenCount ?? 0) + completion);
  expect(usage?.completion_tokens_details?.reasoning_tokens).toBe(thoughts);
  expect(usage?.prompt_tokens_details?.cached_tokens).toBe(meta.cachedContentTokenCount ?? 0);
}

function expectCalls(
  calls: { name: string; arguments: string; signature?: string }[],
  expected: ExpectedAnswer,
): void {
  expect(calls.map((call) => call.name)).toEqual(expected.toolCalls.map((call) => call.name));
  expect(calls.map((call) => JSON.parse(call.arguments))).toEqual(
    expected.toolCalls.map((call) => call.args),
  );
  expect(calls.map((call) => call.signature)).toEqual(
    expected.toolCalls.map((call) => call.signature),
  );
}

const jsonFixtures = listFiles(".json").filter((name) => !name.includes("429"));

describe.skipIf(!fixturesPresent)("recorded Gemini answers decode", () => {
  test("there are answers to replay", () => {
    expect(jsonFixtures.length).toBeGreaterThanOrEqual(4);
  });

  for (const name of jsonFixtures) {
    test(name, () => {
      const body: unknown = JSON.parse(readFixture(name));
      const expected = expectedFrom([body as Record<string, unknown>]);
      const response: ChatResponse = geminiCodec.decodeChatResponse(body, contextFor());
      const message = response.choices[0]!.message;

      expect(response.model).toBe("client-model");
      expect(message.content ?? "").toBe(expected.text);
      expect(message.reasoning_content ?? "").toBe(expected.thoughts);
      expect((message.reasoning_details ?? []).map((detail) => detail.signature)).toEqual(
        expected.signatures,
      );
      const calls = (message.tool_calls ?? []).map((call: ToolCall) => ({
        name: call.function.name,
        arguments: call.function.arguments,
        signature: (call as { extra_content?: { google?: { thought_signature?: string } } })
          .extra_content?.google?.thought_signature,
      }));
      expectCalls(calls, expected);
      expect(response.choices[0]!.finish_reason).toBe(expectedFinish(expected));
      expectUsage(response.usage, expected);
    });
  }
});

const streamFixtures = listFiles(".chunks.txt");

describe.skipIf(!fixturesPresent)("recorded Gemini streams decode", () => {
  test("there are streams to replay", () => {
    expect(streamFixtures.length).toBeGreaterThanOrEqual(5);
  });

  for (const name of streamFixtures) {
    for (const size of READ_SIZES) {
      test(`${name} in reads of ${size === 0 ? "all" : size} bytes`, async () => {
        const lines = chunkLines(readFixture(name));
        const expected = expectedFrom(lines.map((line) => JSON.parse(line)));
        const body = streamOf(encoder.encode(frameSse(lines)), size);
        const chunks = await collect(geminiCodec.decodeChatStream(body, contextFor()));
        const answer = assemble(chunks);

        expect(answer.roleFirst).toBe(true);
        expect(answer.text).toBe(expected.text);
        expect(answer.reasoning).toBe(expected.thoughts);
        expect(answer.signatures).toEqual(expected.signatures);
        expectCalls(answer.toolCalls, expected);
        expect(answer.toolCalls.map((call) => call.id)).toEqual(
          expected.toolCalls.map((_, index) => `call_${index}`),
        );
        expect(answer.finish).toBe(expectedFinish(expected));

        const last = chunks.at(-1)!;
        expect(last.choices).toEqual([]);
        expect(last.usage_partial).toBeUndefined();
        expectUsage(last.usage, expected);
      });
    }
  }
});
