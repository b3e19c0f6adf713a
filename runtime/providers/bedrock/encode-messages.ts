/**
 * Translates the OpenAI message list into Bedrock's top-level `system` blocks and alternating
 * user/assistant turns. Every system and developer message, also one in mid-conversation,
 * becomes a `system` block in order, so its position among the turns is lost. Consecutive
 * messages of one role, such as several tool results, are merged into a single turn.
 */

import type { ChatMessage, ToolCall } from "../../canonical/chat.ts";
import { groupTurns } from "../shared/group-turns.ts";
import { parseToolArguments } from "../shared/parse-tool-arguments.ts";
import { readReplayedReasoning } from "../shared/replayed-reasoning.ts";
import { toolCallId } from "../shared/tool-call-id.ts";
import { encodeTextContent, encodeUserContent } from "./encode-content.ts";
import { unsupportedParameter } from "./request-errors.ts";
import type {
  BedrockMessage,
  ContentBlock,
  ReasoningBlock,
  TextBlock,
  ToolResultBlock,
  ToolUseBlock,
} from "./wire.ts";

export interface EncodedConversation {
  system: TextBlock[];
  messages: BedrockMessage[];
}

export function encodeConversation(messages: ChatMessage[]): EncodedConversation {
  const { system, turns } = groupTurns<TextBlock, ContentBlock>(messages, {
    system: encodeTextContent,
    user: encodeUserContent,
    assistant: encodeAssistant,
    toolResult: encodeToolResult,
    unsupportedParameter,
  });
  return { system, messages: turns };
}

/** Reasoning blocks come first and are replayed unchanged, then text, then tool calls. */
function encodeAssistant(message: ChatMessage, param: string): ContentBlock[] {
  const blocks: ContentBlock[] = [...encodeReasoning(message, param)];
  blocks.push(...encodeTextContent(message.content, `${param}.content`));

  (message.tool_calls ?? []).forEach((call, index) => {
    blocks.push(encodeToolUse(call, `${param}.tool_calls[${index}]`));
  });
  return blocks;
}

/**
 * Anthropic models on Bedrock verify the signature of earlier reasoning, so each block of
 * `reasoning_details` goes back as `reasoningText` with its signature, or as `redactedContent`.
 */
function encodeReasoning(message: ChatMessage, param: string): ReasoningBlock[] {
  return readReplayedReasoning(message, param, false).map((block): ReasoningBlock => {
    if (block.type === "redacted_thinking") {
      return { reasoningContent: { redactedContent: block.data } };
    }
    const reasoningText: { text: string; signature?: string } = { text: block.thinking };
    if (block.signature !== undefined) reasoningText.signature = block.signature;
    return { reasoningContent: { reasoningText } };
  });
}

function encodeToolUse(call: ToolCall, param: string): ToolUseBlock {
  const text = call.function?.arguments ?? "";
  const argsParam = `${param}.function.arguments`;
  const input = parseToolArguments(text, argsParam, "Bedrock tool input is one");
  return { toolUse: { toolUseId: call.id, name: call.function.name, input } };
}

function encodeToolResult(message: ChatMessage, param: string): ToolResultBlock {
  const toolUseId = toolCallId(message, param);
  const content = message.content;
  // NOTE: an empty result is sent as `content: []`, whose acceptance by Bedrock is unverified.
  const blocks =
    typeof content === "string"
      ? content === "" ? [] : [{ text: content }]
      : encodeUserContent(content, `${param}.content`);
  return { toolResult: { toolUseId, content: blocks } };
}
