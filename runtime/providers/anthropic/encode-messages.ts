/**
 * Translates the OpenAI message list into Anthropic's `system` blocks and user/assistant turns.
 * Anthropic has no system role inside `messages`, so every system and developer message, also
 * one in mid-conversation, becomes a block of the top-level `system`, in order. Its position
 * among the turns is lost. Consecutive messages of one role are merged into a single turn.
 */

import type { ChatMessage, ReasoningDetail, ToolCall } from "../../canonical/chat.ts";
import { encodeTextContent, encodeUserContent } from "./encode-content.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
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
  const system: TextBlock[] = [];
  const turns: AnthropicMessage[] = [];

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

  for (const turn of turns) {
    if (turn.role === "user") turn.content = toolResultsFirst(turn.content);
  }
  trimFinalAssistantText(turns);
  return { system, messages: turns };
}

/** Appends blocks to the last turn when it has the same role, since turns must alternate. */
function appendTurn(
  turns: AnthropicMessage[],
  role: "user" | "assistant",
  blocks: RequestBlock[],
): void {
  if (blocks.length === 0) return;

  const last = turns.at(-1);
  if (last !== undefined && last.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
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
  const details = message.reasoning_details ?? [];
  const thinkingCount = details.filter((detail) => detail.type === "thinking").length;

  return details.map((detail: ReasoningDetail, index) => {
    const detailParam = `${param}.reasoning_details[${index}]`;
    if (detail.type === "redacted_thinking") {
      if (typeof detail.data !== "string") {
        throw invalidRequest(`${detailParam}.data is missing.`, detailParam);
      }
      return { type: "redacted_thinking", data: detail.data };
    }
    if (detail.type !== "thinking" || typeof detail.signature !== "string") {
      throw invalidRequest(
        `${detailParam} must be a thinking block with a signature or a redacted_thinking block.`,
        detailParam,
      );
    }

    // A streamed answer carries the thinking text in reasoning_content and the signature in
    // reasoning_details; a client that kept them apart can still replay a single block.
    let thinking = detail.thinking;
    if (thinking === undefined && thinkingCount === 1) thinking = message.reasoning_content ?? "";
    return { type: "thinking", thinking: thinking ?? "", signature: detail.signature };
  });
}

function encodeToolUse(call: ToolCall, param: string): ToolUseBlock {
  const text = call.function?.arguments ?? "";
  let input: unknown = {};
  if (text.trim() !== "") {
    try {
      input = JSON.parse(text);
    } catch {
      throw invalidRequest(
        `${param}.function.arguments is not valid JSON; send the arguments the model produced.`,
        `${param}.function.arguments`,
      );
    }
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw invalidRequest(
      `${param}.function.arguments must be a JSON object, because Anthropic tool input is one.`,
      `${param}.function.arguments`,
    );
  }
  const object = input as Record<string, unknown>;
  return { type: "tool_use", id: call.id, name: call.function.name, input: object };
}

function encodeToolResult(message: ChatMessage, param: string): ToolResultBlock {
  if (typeof message.tool_call_id !== "string" || message.tool_call_id === "") {
    throw invalidRequest(`${param}.tool_call_id is missing.`, `${param}.tool_call_id`);
  }

  const content = message.content;
  const result: ToolResultBlock = { type: "tool_result", tool_use_id: message.tool_call_id };
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
