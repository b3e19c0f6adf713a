import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ChatChunk } from "../../../runtime/canonical/chat.ts";
import { anthropicCodec } from "../../../runtime/providers/anthropic/codec.ts";
import {
  expectedFinish,
  expectedFromEvents,
  expectedFromMessage,
  expectedPromptTokens,
  sseEvents,
  type ExpectedAnswer,
} from "./expected.ts";
import {
  assemble,
  collect,
  contextFor,
  encoder,
  fixturesMustExist,
  fixturesPresent,
  frameChunks,
  listFiles,
  readText,
  simonwDir,
  streamOf,
  vercelDir,
} from "./fixtures.ts";

const READ_SIZES = [0, 1, 7];

test("recorded fixtures present", () => {
  // Without the fixtures the replays below are skipped, which CI must not accept.
  if (fixturesMustExist) expect(fixturesPresent).toBe(true);
  expect(fixturesPresent || !fixturesMustExist).toBe(true);
});

/** Lists every recorded stream as SSE text, with the vercel-ai chunk files re-framed. */
function recordedStreams(): { name: string; body: string }[] {
  const simonw = listFiles(simonwDir, ".sse").map((name) => ({
    name: `simonw-llm/${name}`,
    body: readText(join(simonwDir, name)),
  }));
  const vercel = listFiles(vercelDir, ".chunks.txt").map((name) => ({
    name: `vercel-ai/${name}`,
    body: frameChunks(readText(join(vercelDir, name))),
  }));
  return [...simonw, ...vercel];
}

function checkStream(chunks: ChatChunk[], expected: ExpectedAnswer) {
  const answer = assemble(chunks);
  const usageChunk = chunks.at(-1)!;

  expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
  expect(chunks.every((chunk) => chunk.model === "client-model")).toBe(true);
  expect(chunks.every((chunk) => chunk.id === expected.id)).toBe(true);
  expect(answer.content).toBe(expected.text);
  expect(answer.reasoning).toBe(expected.thinking);
  expect(answer.signatures).toEqual(expected.signatures);
  expect(answer.calls).toEqual(expected.toolCalls);
  expect(answer.finishReasons).toEqual([expectedFinish(expected.stopReason)]);

  expect(usageChunk.choices).toEqual([]);
  expect(usageChunk.usage?.prompt_tokens).toBe(expectedPromptTokens(expected.usage));
  expect(usageChunk.usage?.completion_tokens).toBe(expected.usage.output_tokens!);
  expect(usageChunk.usage?.prompt_tokens_details?.cached_tokens).toBe(
    expected.usage.cache_read_input_tokens ?? 0,
  );
  expect(usageChunk.usage?.prompt_tokens_details?.cache_write_tokens).toBe(
    expected.usage.cache_creation_input_tokens ?? 0,
  );
  expect(usageChunk.usage?.completion_tokens_details?.reasoning_tokens).toBe(
    expected.thinkingTokens,
  );
}

describe.skipIf(!fixturesPresent)("recorded Anthropic streams", () => {
  for (const { name, body } of recordedStreams()) {
    for (const size of READ_SIZES) {
      test(`${name} in ${size === 0 ? "one read" : `${size}-byte reads`}`, async () => {
        const expected = expectedFromEvents(sseEvents(body));
        const stream = streamOf(encoder.encode(body), size);
        const { chunks, error } = await collect(
          anthropicCodec.decodeChatStream(stream, contextFor()),
        );

        expect(error).toBeNull();
        checkStream(chunks, expected);
      });
    }
  }

  test("tool call indices count calls", async () => {
    const body = readText(join(simonwDir, "test_tools.0.sse"));
    const stream = streamOf(encoder.encode(body));
    const { chunks } = await collect(anthropicCodec.decodeChatStream(stream, contextFor()));
    const starts = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    const named = starts.filter((call) => call.function?.name !== undefined);

    expect(named.map((call) => call.index)).toEqual([0, 1]);
    expect(
      named.every((call) => call.type === "function" && call.function?.arguments === ""),
    ).toBe(true);
  });

  test("server tool blocks are not tool calls", async () => {
    const file = "anthropic-code-execution-20260120-prompt-cache.1.chunks.txt";
    const body = frameChunks(readText(join(vercelDir, file)));
    const stream = streamOf(encoder.encode(body), 7);
    const { chunks } = await collect(anthropicCodec.decodeChatStream(stream, contextFor()));
    const answer = assemble(chunks);

    expect(answer.calls).toEqual([]);
    expect(answer.finishReasons).toEqual(["stop"]);
    expect(chunks.at(-1)!.usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThan(0);
  });
});

describe.skipIf(!fixturesPresent)("recorded Anthropic messages", () => {
  for (const name of listFiles(vercelDir, ".json")) {
    test(`vercel-ai/${name}`, () => {
      const body = JSON.parse(readText(join(vercelDir, name)));
      const expected = expectedFromMessage(body);
      const response = anthropicCodec.decodeChatResponse(body, contextFor());
      const message = response.choices[0]!.message;

      expect(response.id).toBe(expected.id);
      expect(response.model).toBe("client-model");
      expect(response.object).toBe("chat.completion");
      expect(message.content).toBe(expected.text === "" ? null : expected.text);
      expect(message.reasoning_content ?? "").toBe(expected.thinking);
      const signatures = (message.reasoning_details ?? []).map((detail) => detail.signature);
      expect(signatures).toEqual(expected.signatures);
      const calls = (message.tool_calls ?? []).map((call) => ({
        id: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
      }));
      expect(calls).toEqual(expected.toolCalls);
      expect(response.choices[0]!.finish_reason).toBe(expectedFinish(expected.stopReason));
      expect(response.usage?.prompt_tokens).toBe(expectedPromptTokens(expected.usage));
      expect(response.usage?.completion_tokens).toBe(expected.usage.output_tokens!);
      expect(response.usage?.completion_tokens_details?.reasoning_tokens).toBe(
        expected.thinkingTokens,
      );
    });
  }
});

describe.skipIf(!fixturesPresent)("recorded JSON tool answers", () => {
  // vercel-ai requested JSON through a tool named "json". In Chat Completions terms that is a
  // json_schema named "json", so the codec must turn the tool call into content.
  const jsonRequest = {
    response_format: {
      type: "json_schema" as const,
      json_schema: { name: "json", schema: { type: "object" } },
    },
  };

  test("message tool input becomes content", () => {
    const body = JSON.parse(readText(join(vercelDir, "anthropic-json-tool.1.json")));
    const toolInput = body.content.find(
      (block: { type: string }) => block.type === "tool_use",
    ).input;
    const response = anthropicCodec.decodeChatResponse(body, contextFor(jsonRequest));
    const message = response.choices[0]!.message;

    expect(JSON.parse(message.content as string)).toEqual(toolInput);
    expect(message.tool_calls).toBeUndefined();
    expect(response.choices[0]!.finish_reason).toBe("stop");
  });

  for (const file of ["anthropic-json-tool.1.chunks.txt", "anthropic-json-tool.2.chunks.txt"]) {
    for (const size of READ_SIZES) {
      test(`${file} streams JSON content in ${size}-byte reads`, async () => {
        const body = frameChunks(readText(join(vercelDir, file)));
        const expected = expectedFromEvents(sseEvents(body));
        const stream = streamOf(encoder.encode(body), size);
        const { chunks, error } = await collect(
          anthropicCodec.decodeChatStream(stream, contextFor(jsonRequest)),
        );
        const answer = assemble(chunks);

        expect(error).toBeNull();
        // The preamble text in the second fixture is dropped; only the JSON remains.
        expect(answer.content).toBe(expected.toolCalls[0]!.arguments);
        expect(JSON.parse(answer.content)).toBeTruthy();
        expect(answer.calls).toEqual([]);
        expect(answer.finishReasons).toEqual(["stop"]);
      });
    }
  }
});

describe.skipIf(!fixturesPresent)("recorded cassettes over a socket", () => {
  for (const cassette of listFiles(simonwDir, ".yaml")) {
    test(`${cassette} served and decoded`, async () => {
      const doc = parseYaml(readText(join(simonwDir, cassette))) as {
        interactions: {
          response: { status: { code: number }; headers: Record<string, string[]> };
        }[];
      };

      for (const [index, interaction] of doc.interactions.entries()) {
        const body = readText(join(simonwDir, cassette.replace(".yaml", `.${index}.sse`)));
        const headers = interaction.response.headers;
        const server = Bun.serve({
          port: 0,
          hostname: "127.0.0.1",
          fetch: () =>
            new Response(body, {
              status: interaction.response.status.code,
              headers: {
                "content-type": headers["Content-Type"]![0]!,
                ...(headers["retry-after"] ? { "retry-after": headers["retry-after"][0]! } : {}),
              },
            }),
        });
        try {
          const upstream = anthropicCodec.encodeChatRequest(
            { model: "client-model", messages: [{ role: "user", content: "hi" }], stream: true },
            {
              provider: "anthropic-test",
              baseUrl: `http://127.0.0.1:${server.port}`,
              apiKey: "test-key",
              headers: {},
              upstreamModel: "claude-haiku-4-5",
            },
          );
          const response = await fetch(upstream.url, upstream);
          expect(response.status).toBe(interaction.response.status.code);

          const { chunks, error } = await collect(
            anthropicCodec.decodeChatStream(response.body!, contextFor()),
          );
          expect(error).toBeNull();
          checkStream(chunks, expectedFromEvents(sseEvents(body)));
        } finally {
          server.stop(true);
        }
      }
    });
  }
});
