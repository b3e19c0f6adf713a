/**
 * A deliberately plain reading of recorded Anthropic events, written apart from the codec, so
 * the replay tests compare the codec's output with values computed from the fixture itself.
 */

import type { FinishReason } from "../../../runtime/canonical/chat.ts";

export interface ExpectedAnswer {
  id: string;
  text: string;
  thinking: string;
  signatures: string[];
  toolCalls: { id: string; name: string; arguments: string }[];
  stopReason: string;
  usage: Record<string, number>;
  thinkingTokens: number | undefined;
}

// Recorded events are arbitrary JSON; this reference reader indexes into them freely.
type Event = Record<string, any>;

/** Parses an SSE body into its JSON payloads. */
export function sseEvents(body: string): Event[] {
  return body
    .split(/\r?\n\r?\n/)
    .map((frame) => frame.split(/\r?\n/).filter((line) => line.startsWith("data:")))
    .filter((lines) => lines.length > 0)
    .map((lines) => JSON.parse(lines.map((line) => line.slice(5).trimStart()).join("\n")));
}

/** Reads the expected answer from stream events, skipping server tools (they run at Anthropic). */
export function expectedFromEvents(events: Event[]): ExpectedAnswer {
  const answer: ExpectedAnswer = {
    id: "",
    text: "",
    thinking: "",
    signatures: [],
    toolCalls: [],
    stopReason: "",
    usage: {},
    thinkingTokens: undefined,
  };
  const toolByBlock = new Map<number, number>();

  for (const event of events) {
    if (event.type === "message_start") {
      answer.id = event.message.id;
      Object.assign(answer.usage, event.message.usage);
    } else if (event.type === "content_block_start" && event.content_block.type === "tool_use") {
      toolByBlock.set(event.index, answer.toolCalls.length);
      const block = event.content_block;
      answer.toolCalls.push({ id: block.id, name: block.name, arguments: "" });
    } else if (event.type === "content_block_delta") {
      const delta = event.delta;
      if (delta.type === "text_delta") answer.text += delta.text;
      if (delta.type === "thinking_delta") answer.thinking += delta.thinking;
      if (delta.type === "signature_delta") answer.signatures.push(delta.signature);
      const tool = toolByBlock.get(event.index);
      if (delta.type === "input_json_delta" && tool !== undefined) {
        answer.toolCalls[tool]!.arguments += delta.partial_json;
      }
    } else if (event.type === "message_delta") {
      answer.stopReason = event.delta.stop_reason;
      for (const [key, value] of Object.entries(event.usage ?? {})) {
        if (value !== null) answer.usage[key] = value as number;
      }
      answer.thinkingTokens = event.usage?.output_tokens_details?.thinking_tokens;
    }
  }
  for (const call of answer.toolCalls) if (call.arguments === "") call.arguments = "{}";
  return answer;
}

/** Reads a non-streaming message body the same way. */
export function expectedFromMessage(message: Event): ExpectedAnswer {
  const blocks: Event[] = message.content;
  return {
    id: message.id,
    text: blocks
      .filter((b) => b.type === "text")
      .map((b) => b.text)
      .join(""),
    thinking: blocks
      .filter((b) => b.type === "thinking")
      .map((b) => b.thinking)
      .join(""),
    signatures: blocks.filter((b) => b.type === "thinking").map((b) => b.signature),
    toolCalls: blocks
      .filter((b) => b.type === "tool_use")
      .map((b) => ({ id: b.id, name: b.name, arguments: JSON.stringify(b.input) })),
    stopReason: message.stop_reason,
    usage: message.usage,
    thinkingTokens: message.usage.output_tokens_details?.thinking_tokens,
  };
}

/** Maps a recorded stop_reason to the finish_reason a Chat Completions client expects. */
export function expectedFinish(stopReason: string): FinishReason {
  if (stopReason === "tool_use") return "tool_calls";
  if (stopReason === "max_tokens") return "length";
  return "stop";
}

/** prompt_tokens counts all input, cached or not. */
export function expectedPromptTokens(usage: Record<string, number>): number {
  return (
    (usage.input_tokens ?? 0) +
    (usage.cache_read_input_tokens ?? 0) +
    (usage.cache_creation_input_tokens ?? 0)
  );
}
