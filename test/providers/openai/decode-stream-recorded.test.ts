import { describe, expect, test } from "bun:test";
import type { ChatChunk, ChatRequest, Usage } from "../../../runtime/canonical/chat.ts";
import type { DecodeContext } from "../../../runtime/providers/codec.ts";
import { openaiCodec } from "../../../runtime/providers/openai/codec.ts";
import { collectUntilError, streamText } from "./byte-streams.ts";
import {
  fixturesAvailable,
  frameChunkLines,
  listFixtures,
  readCassette,
  readFixtureText,
} from "./recorded-fixtures.ts";
import { mergeChunks, readDataPayloads } from "./stream-oracle.ts";

const CLIENT_MODEL = "client-visible-model";
const REQUEST: ChatRequest = { model: CLIENT_MODEL, messages: [], stream: true };
const CONTEXT: DecodeContext = { clientModel: CLIENT_MODEL, request: REQUEST };
const READ_SIZES = [0, 1, 5];

interface StreamFixture {
  name: string;
  sse: string;
}

/** Returns every recorded OpenAI-format stream, framed as it is sent on the wire. */
function streamFixtures(): StreamFixture[] {
  const sseFiles = [
    ...listFixtures("simonw-llm/openai-chat", ".sse"),
    ...listFixtures("simonw-llm/openrouter-compat", ".sse"),
    ...listFixtures("vercel-ai/openai-compatible", ".sse"),
  ].map((name) => ({ name, sse: readFixtureText(name) }));

  const chunkFiles = ["openai-chat", "deepseek", "groq", "xai", "mistral"]
    .flatMap((folder) => listFixtures(`vercel-ai/${folder}`, ".chunks.txt"))
    .map((name) => ({ name, sse: frameChunkLines(readFixtureText(name)) }));

  const cassetteStreams = [
    ...listFixtures("simonw-llm/openai-chat", ".yaml"),
    ...listFixtures("simonw-llm/openrouter-compat", ".yaml"),
  ].flatMap((name) =>
    readCassette(name)
      .map((interaction, index) => ({ name: `${name}#${index}`, interaction }))
      .filter(({ interaction }) => interaction.contentType.startsWith("text/event-stream"))
      .map(({ name: label, interaction }) => ({ name: label, sse: interaction.body })),
  );
  return [...sseFiles, ...chunkFiles, ...cassetteStreams];
}

async function decode(sse: string, readSize: number) {
  return collectUntilError(openaiCodec.decodeChatStream(streamText(sse, readSize), CONTEXT));
}

function hasUsage(payload: Record<string, unknown>): boolean {
  return payload.usage !== undefined && payload.usage !== null;
}

/** The chunk the decoder should yield for a payload that has choices. */
function expectedChunk(payload: Record<string, unknown>): Record<string, unknown> {
  const expected: Record<string, unknown> = { ...payload, model: CLIENT_MODEL };
  if (hasUsage(payload)) expected.usage = null;
  return expected;
}

const fixtures = fixturesAvailable ? streamFixtures() : [];

describe.skipIf(!fixturesAvailable)("decodeChatStream on recorded streams", () => {
  test("fixture catalog is complete", () => {
    // 7 .sse files, 7 chunk files and 6 streamed cassette interactions.
    expect(fixtures.length).toBe(20);
  });

  for (const fixture of fixtures) {
    const payloads = readDataPayloads(fixture.sse);
    const choicePayloads = payloads.filter(
      (payload) => (payload.choices as unknown[]).length > 0 || !hasUsage(payload),
    );
    const lastUsage = payloads.filter(hasUsage).at(-1)?.usage ?? null;

    for (const readSize of READ_SIZES) {
      test(`${fixture.name} in ${readSize || "whole"}-byte reads`, async () => {
        const { items, error } = await decode(fixture.sse, readSize);
        expect(error).toBeNull();
        expect(payloads.length).toBeGreaterThan(0);

        const body = items.slice(0, -1);
        expect(body.length).toBe(choicePayloads.length);
        body.forEach((chunk, i) => expect(chunk).toMatchObject(expectedChunk(choicePayloads[i]!)));

        const last = items.at(-1) as ChatChunk;
        expect(last.choices).toEqual([]);
        expect(last.usage ?? null).toEqual(lastUsage as Usage | null);
        expect(items.filter((chunk) => hasUsage(chunk)).length).toBe(lastUsage === null ? 0 : 1);
        expect(items.every((chunk) => chunk.model === CLIENT_MODEL)).toBe(true);

        const decoded = mergeChunks(items as unknown as Record<string, unknown>[]);
        expect(decoded).toEqual(mergeChunks(payloads));
      });
    }
  }
});

describe.skipIf(!fixturesAvailable)("decodeChatStream provider quirks", () => {
  test("cassette stream bodies match the extracted .sse files", () => {
    for (const name of listFixtures("simonw-llm/openai-chat", ".sse")) {
      const [cassette, index] = name.replace(/\.sse$/, "").split(/\.(?=\d+$)/);
      const interaction = readCassette(`${cassette}.yaml`)[Number(index)];
      expect(interaction?.body).toBe(readFixtureText(name));
    }
  });

  test("tool-call index starting at 1 stays 1", async () => {
    const sse = readFixtureText("vercel-ai/openai-compatible/anthropic-fallback-tool-call.sse");
    const sentIndexes = readDataPayloads(sse).flatMap(toolCallIndexes);
    const { items } = await decode(sse, 0);

    expect(sentIndexes.length).toBeGreaterThan(0);
    expect(items.flatMap(toolCallIndexes)).toEqual(sentIndexes);
    expect(items.flatMap(toolCallIndexes).includes(0)).toBe(false);
  });

  test("stream without usage ends with usage null", async () => {
    const sse = readFixtureText("vercel-ai/openai-compatible/anthropic-fallback-tool-call.sse");
    const { items } = await decode(sse, 0);
    const last = items.at(-1);

    expect(last?.choices).toEqual([]);
    expect(last?.usage).toBeNull();
    expect(last?.id).toBe(readDataPayloads(sse).at(-1)?.id as string);
  });

  test("usage on a finish chunk is split off", async () => {
    const sse = frameChunkLines(readFixtureText("vercel-ai/groq/groq-tool-call.chunks.txt"));
    const finish = readDataPayloads(sse).at(-1)!;
    const { items } = await decode(sse, 0);
    const [finishChunk, usageChunk] = items.slice(-2);

    expect(finishChunk?.choices).toEqual(finish.choices as ChatChunk["choices"]);
    expect(finishChunk?.usage).toBeNull();
    expect(finishChunk?.x_groq).toEqual(finish.x_groq);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage).toEqual(finish.usage as ChatChunk["usage"]);
    expect(usageChunk?.id).toBe(finish.id as string);
    expect(usageChunk?.system_fingerprint).toBe(finish.system_fingerprint as string);
  });

  test("tool calls without index or type are completed", async () => {
    const sse = frameChunkLines(readFixtureText("vercel-ai/mistral/mistral-tool-call.chunks.txt"));
    const sent = readDataPayloads(sse).flatMap(toolCallDeltas);
    const { items } = await decode(sse, 0);
    const decoded = items.flatMap(toolCallDeltas);

    expect(sent.length).toBe(1);
    expect(sent[0]?.index).toBeUndefined();
    expect(decoded).toEqual([{ ...sent[0], index: 0, type: "function" }]);
  });

  test("reasoning_content passes through", async () => {
    for (const name of ["vercel-ai/xai/xai-tool-call", "vercel-ai/deepseek/deepseek-tool-call"]) {
      const sse = frameChunkLines(readFixtureText(`${name}.chunks.txt`));
      const { items } = await decode(sse, 5);
      const reasoning = mergeChunks(readDataPayloads(sse)).choices[0]?.reasoning ?? "";

      expect(reasoning.length).toBeGreaterThan(0);
      expect(mergeChunks(items as unknown as Record<string, unknown>[]).choices[0]?.reasoning)
        .toBe(reasoning);
    }
  });

  test("multi-byte text survives 1-byte reads", async () => {
    const sse = frameChunkLines(readFixtureText("vercel-ai/openai-chat/openai-text.chunks.txt"));
    const text = mergeChunks(readDataPayloads(sse)).choices[0]?.content ?? "";
    const { items } = await decode(sse, 1);

    expect(/[^\x00-\x7f]/.test(text)).toBe(true);
    expect(mergeChunks(items as unknown as Record<string, unknown>[]).choices[0]?.content)
      .toBe(text);
    expect(items.some((chunk) => JSON.stringify(chunk).includes("\ufffd"))).toBe(false);
  });

  test("leading-space data line loses no content", async () => {
    // This OpenRouter recording opens with " data: ...". The WHATWG rules read that line as a
    // field named " data" and ignore it, as the shared parser and openai-python do. The event
    // only repeats the assistant role with empty content, so the merged message is unchanged.
    const name = "simonw-llm/openrouter-compat/test_tools_streaming_variant_c.0.sse";
    const sse = readFixtureText(name);
    const strict = readDataPayloads(sse);
    const lenient = readDataPayloads(sse, true);
    const { items } = await decode(sse, 1);

    expect(lenient.length).toBe(strict.length + 1);
    expect(mergeChunks(items as unknown as Record<string, unknown>[])).toEqual(
      mergeChunks(lenient),
    );
    expect(items[0]?.choices[0]?.delta.role).toBe("assistant");
  });
});

function toolCallDeltas(chunk: unknown): Record<string, unknown>[] {
  const choices = (chunk as { choices: { delta: { tool_calls?: unknown[] } }[] }).choices;
  return choices.flatMap((choice) => (choice.delta.tool_calls ?? []) as Record<string, unknown>[]);
}

function toolCallIndexes(chunk: unknown): unknown[] {
  return toolCallDeltas(chunk).map((delta) => delta.index);
}
