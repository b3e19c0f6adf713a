import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ChatChunk } from "../../../runtime/canonical/chat.ts";
import { cohereCodec } from "../../../runtime/providers/cohere/codec.ts";
import { expectedFromBody, expectedFromEvents, type ExpectedAnswer } from "./expected.ts";
import {
  assemble,
  collect,
  contextFor,
  eventsOf,
  fixturesMustExist,
  fixturesPresent,
  frameEvents,
  listFixtures,
  readFixture,
  streamOf,
} from "./fixtures.ts";

const READ_SIZES = [0, 1, 7];

test("recorded fixtures present", () => {
  // Without the fixtures the replays below are skipped, which CI must not accept.
  if (fixturesMustExist) expect(fixturesPresent).toBe(true);
  expect(fixturesPresent || !fixturesMustExist).toBe(true);
  if (fixturesPresent) expect(listFixtures(".chunks.txt").length).toBeGreaterThanOrEqual(3);
});

function checkStream(chunks: ChatChunk[], expected: ExpectedAnswer) {
  const answer = assemble(chunks);
  const usageChunk = chunks.at(-1)!;

  expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
  expect(chunks.every((chunk) => chunk.model === "client-model")).toBe(true);
  expect(chunks.every((chunk) => chunk.id === expected.id)).toBe(true);
  expect(answer.content).toBe(expected.text);
  expect(answer.reasoning).toBe(expected.reasoning);
  expect(answer.calls).toEqual(expected.toolCalls);
  expect(answer.finishReasons).toEqual([expected.finishReason]);

  expect(usageChunk.choices).toEqual([]);
  expect(usageChunk.usage?.prompt_tokens).toBe(expected.inputTokens);
  expect(usageChunk.usage?.completion_tokens).toBe(expected.outputTokens);
  expect(usageChunk.usage?.total_tokens).toBe(expected.inputTokens + expected.outputTokens);
  expect(usageChunk.usage?.prompt_tokens_details?.cached_tokens).toBe(expected.cachedTokens);
}

describe.skipIf(!fixturesPresent)("recorded Cohere JSON bodies", () => {
  for (const name of listFixtures(".json")) {
    test(name, () => {
      const body = JSON.parse(readFixture(name)) as Record<string, unknown>;
      const expected = expectedFromBody(body);
      const response = cohereCodec.decodeChatResponse(body, contextFor());
      const choice = response.choices[0]!;

      expect(response.id).toBe(expected.id);
      expect(response.model).toBe("client-model");
      expect(choice.message.content ?? "").toBe(expected.text);
      expect(choice.message.reasoning_content ?? "").toBe(expected.reasoning);
      const calls = (choice.message.tool_calls ?? []).map((call) => ({
        id: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
      }));
      expect(calls).toEqual(expected.toolCalls);
      expect(choice.finish_reason).toBe(expected.finishReason as typeof choice.finish_reason);
      expect(response.usage?.prompt_tokens).toBe(expected.inputTokens);
      expect(response.usage?.completion_tokens).toBe(expected.outputTokens);
      expect(response.usage?.prompt_tokens_details?.cached_tokens).toBe(expected.cachedTokens);
    });
  }
});

describe.skipIf(!fixturesPresent)("recorded Cohere streams", () => {
  for (const name of listFixtures(".chunks.txt")) {
    const events = eventsOf(readFixture(name));
    for (const size of READ_SIZES) {
      test(`${name} in ${size === 0 ? "one read" : `${size}-byte reads`}`, async () => {
        const body = streamOf(frameEvents(events), size);
        const { chunks, error } = await collect(cohereCodec.decodeChatStream(body, contextFor()));
        expect(error).toBeNull();
        checkStream(chunks, expectedFromEvents(events));
      });
    }
  }
});

describe.skipIf(!fixturesPresent)("recorded Cohere streams over a socket", () => {
  let server: ReturnType<typeof Bun.serve>;

  beforeAll(() => {
    server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(request) {
        const name = new URL(request.url).pathname.slice(1);
        const body = frameEvents(eventsOf(readFixture(name)));
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      },
    });
  });
  afterAll(() => server.stop(true));

  for (const name of listFixtures(".chunks.txt")) {
    test(name, async () => {
      const response = await fetch(`http://127.0.0.1:${server.port}/${name}`);
      const { chunks, error } = await collect(
        cohereCodec.decodeChatStream(response.body!, contextFor()),
      );
      expect(error).toBeNull();
      checkStream(chunks, expectedFromEvents(eventsOf(readFixture(name))));
    });
  }
});

describe.skipIf(!fixturesPresent)("recorded Cohere streams cut short", () => {
  for (const name of listFixtures(".chunks.txt")) {
    test(`${name} without message-end`, async () => {
      const events = eventsOf(readFixture(name)).filter((event) => event.type !== "message-end");
      const expected = expectedFromEvents(events);
      const body = streamOf(frameEvents(events), 1);
      const { chunks, error } = await collect(cohereCodec.decodeChatStream(body, contextFor()));

      expect((error as { code?: string }).code).toBe("upstream_stream_cut");
      const answer = assemble(chunks);
      expect(answer.content).toBe(expected.text);
      expect(answer.reasoning).toBe(expected.reasoning);
      expect(answer.finishReasons).toEqual([]);
      expect(chunks.some((chunk) => chunk.usage !== undefined)).toBe(false);
    });
  }
});
