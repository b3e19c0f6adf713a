import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ChatMessage, ChatRequest } from "../../../runtime/canonical/chat.ts";
import { anthropicCodec } from "../../../runtime/providers/anthropic/codec.ts";
import { buildBody } from "../../../runtime/providers/anthropic/encode-request.ts";
import {
  assemble,
  collect,
  contextFor,
  encoder,
  fixturesPresent,
  readText,
  simonwDir,
  streamOf,
} from "./fixtures.ts";

interface RecordedRequest {
  max_tokens: number;
  model: string;
  temperature: number;
  messages: { role: string; content: { type: string; [field: string]: unknown }[] }[];
  tools?: unknown[];
  thinking?: unknown;
}

function recordedRequests(cassette: string): RecordedRequest[] {
  const doc = parseYaml(readText(join(simonwDir, cassette))) as {
    interactions: { request: { body: string } }[];
  };
  return doc.interactions.map((interaction) => JSON.parse(interaction.request.body));
}

/** Builds the OpenAI request that a Chat Completions client sends for a recorded turn. */
function openAiRequest(recorded: RecordedRequest, messages: ChatMessage[]): ChatRequest {
  const request: ChatRequest = {
    model: "client-model",
    messages,
    max_tokens: recorded.max_tokens,
    temperature: recorded.temperature,
    stream: true,
  };
  if (recorded.thinking !== undefined) request.thinking = recorded.thinking;
  if (recorded.tools !== undefined) {
    request.tools = (
      recorded.tools as { name: string; description: string; input_schema: object }[]
    ).map((tool) => ({
      type: "function" as const,
      function: {
        name: tool.name,
        description: tool.description,
        parameters: tool.input_schema as Record<string, unknown>,
      },
    }));
  }
  return request;
}

function firstUserText(recorded: RecordedRequest): string {
  return recorded.messages[0]!.content[0]!.text as string;
}

describe.skipIf(!fixturesPresent)("encoding matches recorded requests", () => {
  for (const cassette of ["test_stream_events_text.yaml", "test_stream_events_thinking.yaml"]) {
    test(`${cassette} first turn`, () => {
      const [recorded] = recordedRequests(cassette);
      const request = openAiRequest(recorded!, [
        { role: "user", content: firstUserText(recorded!) },
      ]);

      expect(buildBody(request, recorded!.model)).toEqual({ ...recorded!, stream: true } as never);
    });
  }

  test("image data URL matches recorded image block", () => {
    const [recorded] = recordedRequests("test_image_with_no_prompt.yaml");
    const image = recorded!.messages[0]!.content[0] as unknown as {
      source: { media_type: string; data: string };
    };
    const url = `data:${image.source.media_type};base64,${image.source.data}`;
    const request = openAiRequest(recorded!, [
      { role: "user", content: [{ type: "image_url", image_url: { url } }] },
    ]);

    expect(buildBody(request, recorded!.model).messages).toEqual(recorded!.messages as never);
  });

  // The second request of each tool cassette replays the decoded tool calls with their results.
  const toolChains = [
    { cassette: "test_tools.yaml", results: ["Charles", "Sammy"] },
    { cassette: "test_fixed_version_tool_chain_regression.yaml", results: ["0.32a0"] },
  ];
  for (const { cassette, results } of toolChains) {
    test(`${cassette} tool round trip`, async () => {
      const [first, second] = recordedRequests(cassette);
      const sse = readText(join(simonwDir, cassette.replace(".yaml", ".0.sse")));
      const { chunks } = await collect(
        anthropicCodec.decodeChatStream(streamOf(encoder.encode(sse), 7), contextFor()),
      );
      const calls = assemble(chunks).calls;
      const messages: ChatMessage[] = [
        { role: "user", content: firstUserText(first!) },
        {
          role: "assistant",
          content: null,
          tool_calls: calls.map((call) => ({
            id: call.id!,
            type: "function" as const,
            function: { name: call.name!, arguments: call.arguments },
          })),
        },
        ...calls.map((call, index) => ({
          role: "tool" as const,
          tool_call_id: call.id!,
          content: results[index]!,
        })),
      ];

      // llm-anthropic sent a " " text block before the tool calls; Chat Completions has none.
      const expected = second!.messages.map((message) => ({
        ...message,
        content: message.content.filter((block) => block.type !== "text" || block.text !== " "),
      }));
      const body = buildBody(openAiRequest(second!, messages), second!.model);
      expect(body.messages).toEqual(expected as never);
      expect(body.tools).toEqual(second!.tools as never);
    });
  }
});
