/**
 * Translates the OpenAI message list into Bedrock's top-level `system` blocks and alternating
 * user/assistant turns. Every system and developer message, also one in mid-conversation,
 * becomes a `system` block in order, so its position among the turns is lost. Consecutive
 * messages of one role, such as several tool results, are merged into a single turn.
 */

import type { ChatMessage, ReasoningDetail, ToolCall } from "../../canonical/chat.ts";
import { encodeTextContent, encodeUserContent } from "./encode-content.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
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
  const system: TextBlock[] = [];
  const turns: BedrockMessage[] = [];

  messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    switch (message.role) {
      case "system":
      case "developer":
        system.push(...encodeTextContent(message.content, `${param}.content`));
        break;
      case "user":
        appendTurn(turns, "user", encodeUserContent(message.content, `${param}.content`));
        break;
      case "tool":
        appendTurn(turns, "user", [encodeToolResult(message, param)]);
        break;
      case "assistant":
        appendTurn(turns, "assistant", encodeAssistant(message, param));
        break;
      case "function":
        throw unsupportedParameter(
          `${param}.role`,
          "the legacy 'function' role has no tool call id; send 'tool' messages instead.",
        );
      default:
        throw invalidRequest(`${param}.role '${String(message.role)}' is not valid.`, param);
    }
  });
  return { system, messages: turns };
}

/** Appends blocks to the last turn when it has the same role, since turns must alternate. */
function appendTurn(
  turns: BedrockMessage[],
  role: "user" | "assistant",
  blocks: ContentBlock[],
): void {
  if (blocks.length === 0) return;

  const last = turns.at(-1);
  if (last !== undefined && last.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
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
  const details = message.reasoning_details ?? [];
  const thinkingCount = details.filter((detail) => detail.type === "thinking").length;

  return details.map((detail: ReasoningDetail, index) => {
    const detailParam = `${param}.reasoning_details[${index}]`;
    if (detail.type === "redacted_thinking") {
      if (typeof detail.data !== "string") {
        throw invalidRequest(`${detailParam}.data is missing.`, detailParam);
      }
      return { reasoningContent: { redactedContent: detail.data } };
    }
    if (detail.type !== "thinking") {
      throw invalidRequest(
        `${detailParam} must be a thinking or a redacted_thinking block.`,
        detailParam,
      );
    }

    // A streamed response carries the text in reasoning_content and the signature in
    // reasoning_details, and a client that kept them apart can still replay a single block.
    let text = detail.thinking;
    if (text === undefined && thinkingCount === 1) text = message.reasoning_content ?? "";
    const reasoningText: { text: string; signature?: string } = { text: text ?? "" };
    if (typeof detail.signature === "string") reasoningText.signature = detail.signature;
    return { reasoningContent: { reasoningText } };
  });
}

function encodeToolUse(call: ToolCall, param: string): ToolUseBlock {
  const argsParam = `${param}.function.arguments`;
  const text = call.function?.arguments ?? "";
  let input: unknown = {};
  if (text.trim() !== "") {
    try {
      input = JSON.parse(text);
    } catch {
      throw invalidRequest(
        `${argsParam} is not valid JSON; send the arguments the model produced.`,
        argsParam,
      );
    }
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw invalidRequest(
      `${argsParam} must be a JSON object, because Bedrock tool input is one.`,
      argsParam,
    );
  }
  return { toolUse: { toolUseId: call.id, name: call.function.name, input } };
}

function encodeToolResult(message: ChatMessage, param: string): ToolResultBlock {
  if (typeof message.tool_call_id !== "string" || message.tool_call_id === "") {
    throw invalidRequest(`${param}.tool_call_id is missing.`, `${param}.tool_call_id`);
  }

  const content = message.content;
  // NOTE: an empty result is sent as `content: []`, whose acceptance by Bedrock is unverified.
  const blocks =
    typeof content === "string"
      ? content === "" ? [] : [{ text: content }]
      : encodeUserContent(content, `${param}.content`);
  return { toolResult: { toolUseId: message.tool_call_id, content: blocks } };
}
