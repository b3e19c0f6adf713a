import { describe, expect, test } from "bun:test";
import type { ChatChunk } from "../../../runtime/canonical/chat.ts";
import { azureCodec } from "../../../runtime/providers/azure/codec.ts";
import type { DecodeContext } from "../../../runtime/providers/codec.ts";
import { collectUntilError, streamText } from "../openai/byte-streams.ts";

const CONTEXT: DecodeContext = {
  clientModel: "client-model",
  request: { model: "client-model", messages: [] },
};

const SAFE = { filtered: false, severity: "safe" };

/** A chat response cut by the completion filter, hand-built from Azure's documented shape. */
const FILTERED_ANSWER = {
  id: "chatcmpl-filtered",
  object: "chat.completion",
  created: 1733000000,
  model: "gpt-4o-2024-08-06",
  prompt_filter_results: [
    { prompt_index: 0, content_filter_results: { hate: SAFE, self_harm: SAFE, sexual: SAFE,
      violence: SAFE, jailbreak: { filtered: false, detected: false } } },
  ],
  choices: [
    {
      index: 0,
      finish_reason: "content_filter",
      message: { role: "assistant", content: null },
      content_filter_results: { hate: SAFE, self_harm: SAFE, sexual: SAFE,
        violence: { filtered: true, severity: "medium" } },
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 },
};

describe("azure decodeChatResponse", () => {
  test("filtered answer passes through", () => {
    const response = azureCodec.decodeChatResponse(FILTERED_ANSWER, CONTEXT);
    const choice = response.choices[0] as unknown as Record<string, unknown>;

    expect(response.model).toBe("client-model");
    expect(choice.finish_reason).toBe("content_filter");
    expect(choice.content_filter_results).toEqual(FILTERED_ANSWER.choices[0]!
      .content_filter_results);
    expect(response.prompt_filter_results).toEqual(FILTERED_ANSWER.prompt_filter_results);
    expect(response.usage).toEqual(FILTERED_ANSWER.usage);
  });

  test("filter error object kept", () => {
    const notFiltered = { error: { code: "content_filter_error",
      message: "The contents are not filtered" } };
    const body = structuredClone(FILTERED_ANSWER) as Record<string, unknown>;
    body.choices = [{ index: 0, finish_reason: "stop", message: { role: "assistant",
      content: "Hello" }, content_filter_results: notFiltered }];
    const choice = azureCodec.decodeChatResponse(body, CONTEXT).choices[0] as unknown as
      Record<string, unknown>;

    expect(choice.content_filter_results).toEqual(notFiltered);
  });
});

/** A hand-built stream whose first event carries only prompt filter results. */
const STREAM = [
  { id: "", object: "", created: 0, model: "", choices: [],
    prompt_filter_results: [{ prompt_index: 0, content_filter_results: { hate: SAFE } }] },
  { id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt-4o",
    choices: [{ index: 0, delta: { role: "assistant", content: "Once" }, finish_reason: null,
      content_filter_results: { hate: SAFE } }] },
  { id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt-4o",
    choices: [{ index: 0, delta: {}, finish_reason: "content_filter",
      content_filter_results: { violence: { filtered: true, severity: "high" } } }] },
  { id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt-4o", choices: [],
    usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } },
];

function sse(events: unknown[]): string {
  return events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join("")
    + "data: [DONE]\n\n";
}

describe("azure decodeChatStream", () => {
  for (const readSize of [0, 1]) {
    test(`filtered stream, reads of ${readSize || "all"}`, async () => {
      const decoded = azureCodec.decodeChatStream(streamText(sse(STREAM), readSize), CONTEXT);
      const { items, error } = await collectUntilError<ChatChunk>(decoded);

      expect(error).toBeNull();
      expect(items).toHaveLength(4);
      expect(items[0]!.prompt_filter_results).toEqual(STREAM[0]!.prompt_filter_results);
      expect(items[1]!.choices[0]!.delta).toEqual({ role: "assistant", content: "Once" });

      const finish = items[2]!.choices[0] as Record<string, unknown>;
      expect(finish.finish_reason).toBe("content_filter");
      expect(finish.content_filter_results).toEqual({
        violence: { filtered: true, severity: "high" },
      });

      const last = items[3]!;
      expect(last.choices).toEqual([]);
      expect(last.usage).toEqual({ prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 });
      for (const item of items) expect(item.model).toBe("client-model");
    });
  }
});
