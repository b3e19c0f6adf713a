/**
 * Translates Anthropic turns into canonical messages. A user turn becomes one `tool` message
 * per `tool_result` block, then a user message with the other blocks, because OpenAI-shaped
 * APIs carry tool results as messages of their own. An assistant turn becomes one assistant
 * message with its text, its `tool_use` blocks as `tool_calls` and, where the target format
 * replays reasoning, its thinking blocks as `reasoning_content` and `reasoning_details`.
 */

import type {
  ChatMessage,
  ContentPart,
  ReasoningDetail,
  ToolCall,
} from "../../../../runtime/canonical/chat.ts";
import { truncateInput } from "../../../../runtime/errors/truncate-input.ts";
import {
  invalidRequest,
  unsupportedParameterFor,
} from "../../../../runtime/providers/request-errors.ts";
import { decodeContentBlock, readString } from "./decode-blocks.ts";
import type { AnthropicBlock, AnthropicInputMessage } from "./request-schema.ts";
import type { TargetFormat } from "./target-format.ts";

/** Prefix for the text of a tool result flagged `is_error`, which no canonical field carries. */
export const TOOL_ERROR_PREFIX = "Error: ";

export function decodeMessages(
  messages: AnthropicInputMessage[],
  format: TargetFormat,
): ChatMessage[] {
  const decoded: ChatMessage[] = [];
  messages.forEach((message, index) => {
    const param = `messages.${index}.content`;
    if (message.role === "user") decoded.push(...decodeUserTurn(message.content, param, format));
    else decoded.push(...decodeAssistantTurn(message.content, param, format));
  });
  return decoded;
}

function decodeUserTurn(
  content: string | AnthropicBlock[],
  param: string,
  format: TargetFormat,
): ChatMessage[] {
  if (typeof content === "string") return [{ role: "user", content }];

  const results: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  content.forEach((block, index) => {
    const blockParam = `${param}.${index}`;
    if (block.type === "tool_result") {
      results.push(decodeToolResult(block, blockParam, format));
    } else if (block.type === "tool_use" || block.type.endsWith("thinking")) {
      throw invalidRequest(
        `${blockParam} has type '${truncateInput(String(block.type))}', which only assistant ` +
          "messages may contain.",
        `${blockParam}.type`,
      );
    } else {
      parts.push(decodeContentBlock(block, blockParam, format.type));
    }
  });

  if (parts.length === 0) return results;
  return [...results, { role: "user", content: joinParts(parts) }];
}

function decodeToolResult(
  block: AnthropicBlock,
  param: string,
  format: TargetFormat,
): ChatMessage {
  const toolCallId = readString(block, "tool_use_id", param);
  let parts: ContentPart[] = [];
  if (typeof block.content === "string") {
    parts = [{ type: "text", text: block.content }];
  } else if (Array.isArray(block.content)) {
    parts = block.content.map((item: AnthropicBlock, index) =>
      decodeContentBlock(item, `${param}.content.${index}`, format.type));
  } else if (block.content !== undefined) {
    throw invalidRequest(
      `${param}.content must be a string or an array of content blocks.`,
      `${param}.content`,
    );
  }

  let content = joinParts(parts) ?? "";
  if (block.is_error === true) {
    content = typeof content === "string"
      ? TOOL_ERROR_PREFIX + content
      : [{ type: "text", text: TOOL_ERROR_PREFIX }, ...content];
  }
  return { role: "tool", tool_call_id: toolCallId, content };
}

function decodeAssistantTurn(
  content: string | AnthropicBlock[],
  param: string,
  format: TargetFormat,
): ChatMessage[] {
  if (typeof content === "string") return [{ role: "assistant", content }];

  const texts: ContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  const details: ReasoningDetail[] = [];
  content.forEach((block, index) => {
    const blockParam = `${param}.${index}`;
    switch (block.type) {
      case "text":
        texts.push({ type: "text", text: readString(block, "text", blockParam) });
        break;
      case "tool_use":
        toolCalls.push(decodeToolUse(block, blockParam));
        break;
      case "thinking":
        details.push({
          type: "thinking",
          thinking: readString(block, "thinking", blockParam),
          signature: readString(block, "signature", blockParam),
        });
        break;
      case "redacted_thinking":
        details.push({ type: "redacted_thinking", data: readString(block, "data", blockParam) });
        break;
      default:
        throw unsupportedParameterFor(format.type)(
          `${blockParam}.type`,
          `assistant blocks of type '${truncateInput(String(block.type))}' have no equivalent ` +
            "outside Anthropic.",
        );
    }
  });

  const message: ChatMessage = { role: "assistant", content: joinParts(texts) };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (format.replaysReasoning && details.length > 0) {
    message.reasoning_content = details.map((detail) => detail.thinking ?? "").join("");
    message.reasoning_details = details;
  }
  // A turn left with thinking only keeps it (as empty text) for providers that replay it.
  if (message.content === null && message.tool_calls === undefined) {
    if (message.reasoning_details === undefined) return [];
    message.content = "";
  }
  return [message];
}

function decodeToolUse(block: AnthropicBlock, param: string): ToolCall {
  const input = block.input;
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw invalidRequest(`${param}.input must be an object.`, `${param}.input`);
  }
  return {
    id: readString(block, "id", param),
    type: "function",
    function: { name: readString(block, "name", param), arguments: JSON.stringify(input) },
  };
}

/**
 * Joins content that is all text into one string, with a blank line between blocks, since
 * some OpenAI-compatible providers accept only string content. Content with an image or a
 * file stays a list of parts. Returns null for no parts.
 */
function joinParts(parts: ContentPart[]): string | ContentPart[] | null {
  if (parts.length === 0) return null;
  if (!parts.every((part) => part.type === "text")) return parts;

  return parts.map((part) => (part as { text: string }).text).join("\n\n");
}
