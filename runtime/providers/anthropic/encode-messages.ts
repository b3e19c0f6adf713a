/**
 * Translates the OpenAI message list into Anthropic's `system` blocks and user/assistant turns.
 * Anthropic has no system role inside `messages`, so every system and developer message, also
 * one in mid-conversation, becomes a block of the top-level `system`, in order. Its position
 * among the turns is lost. Consecutive messages of one role are merged into a single turn.
 */

import type { ChatMessage, ToolCall } from "../../canonical/chat.ts";
import { groupTurns } from "../shared/group-turns.ts";
import { parseToolArguments } from "../shared/parse-tool-arguments.ts";
import { readReplayedReasoning } from "../shared/replayed-reasoning.ts";
import { toolCallId } from "../shared/tool-call-id.ts";
import { encodeTextContent, encodeUserContent } from "./encode-content.ts";
import { unsupportedParameter } from "./request-errors.ts";
import type {
  AnthropicMessage,
  RedactedThinkingBlock,
  RequestBlock,
  TextBlock,
  ThinkingBlock,
  ToolResultBlock,
  ToolUseBlock,
} from "./wire.ts";

export interface EncodedConversation {
  system: TextBlock[];
  messages: AnthropicMessage[];
}

export function encodeConversation(messages: ChatMessage[]): EncodedConversation {
  const { system, turns } = groupTurns<TextBlock, RequestBlock>(messages, {
    system: encodeTextContent,
    user: encodeUserContent,
    assistant: encodeAssistant,
    toolResult: encodeToolResult,
    unsupportedParameter,
  });

  for (const turn of turns) {
    if (turn.role === "user") turn.content = toolResultsFirst(turn.content);
  }
  trimFinalAssistantText(turns);
  return { system, messages: turns };
}

/**
 * Thinking blocks come first and are replayed unchanged, because Anthropic verifies their
 * signatures. Text follows, then one tool_use block per tool call.
 */
function encodeAssistant(message: ChatMessage, param: string): RequestBlock[] {
  const blocks: RequestBlock[] = [...encodeReasoning(message, param)];
  blocks.push(...encodeTextContent(message.content, `${param}.content`));

  (message.tool_calls ?? []).forEach((call, index) => {
    blocks.push(encodeToolUse(call, `${param}.tool_calls[${index}]`));
  });
  return blocks;
}

function encodeReasoning(
  message: ChatMessage,
  param: string,
): (ThinkingBlock | RedactedThinkingBlock)[] {
  return readReplayedReasoning(message, param, true).map((block) =>
    block.type === "redacted_thinking"
      ? block
      : { type: "thinking", thinking: block.thinking, signature: block.signature ?? "" },
  );
}

function encodeToolUse(call: ToolCall, param: string): ToolUseBlock {
  const text = call.function?.arguments ?? "";
  const argsParam = `${param}.function.arguments`;
  const input = parseToolArguments(text, argsParam, "Anthropic tool input is one");
  return { type: "tool_use", id: call.id, name: call.function.name, input };
}

function encodeToolResult(message: ChatMessage, param: string): ToolResultBlock {
  const result: ToolResultBlock = { type: "tool_result", tool_use_id: toolCallId(message, param) };
  const content = message.content;
  if (typeof content === "string") {
    if (content !== "") result.content = content;
    return result;
  }

  const blocks = encodeUserContent(content, `${param}.content`);
  if (blocks.length > 0) result.content = blocks;
  return result;
}

/** Anthropic requires tool_result blocks before any other block of their user turn. */
function toolResultsFirst(blocks: RequestBlock[]): RequestBlock[] {
  const results = blocks.filter((block) => block.type === "tool_result");
  if (results.length === 0) return blocks;
  return [...results, ...blocks.filter((block) => block.type !== "tool_result")];
}

/**
 * A final assistant turn is a prefill that the model continues. Anthropic rejects one that ends
 * with whitespace, so trailing whitespace is trimmed (and a block left empty is dropped).
 */
function trimFinalAssistantText(turns: AnthropicMessage[]): void {
  const last = turns.at(-1);
  if (last === undefined || last.role !== "assistant") return;

  const block = last.content.at(-1);
  if (block === undefined || block.type !== "text") return;
  block.text = block.text.trimEnd();
  if (block.text === "") last.content.pop();
  if (last.content.length === 0) turns.pop();
}
