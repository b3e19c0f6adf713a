/** Translates a canonical chat completion into an Anthropic message object. */

import type { ChatMessage, ChatResponse, ToolCall } from "../../../../runtime/canonical/chat.ts";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import { newMessageId, toolUseId } from "./message-id.ts";
import { type ThinkingContent, thinkingBlocks } from "./reasoning-blocks.ts";
import { type StopReason, toStopReason } from "./stop-reason.ts";
import { messageUsageObject } from "./usage.ts";

export type ContentBlock =
  | ThinkingContent
  | { type: "text"; text: string; citations: null }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export interface MessageObject {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: ContentBlock[];
  stop_reason: StopReason;
  stop_sequence: null;
  usage: Record<string, unknown>;
}

/** Builds the message: thinking first, then text, then one tool_use block per tool call. */
export function encodeMessage(response: ChatResponse, clientModel: string): MessageObject {
  const choice = response.choices[0];
  if (choice === undefined) throw invalidAnswer("the completion has no choices.");

  const truncated = choice.finish_reason === "length";
  const message = choice.message;
  const content: ContentBlock[] = [...thinkingBlocks(message)];
  const text = messageText(message);
  if (text !== "") content.push({ type: "text", text, citations: null });
  for (const call of message.tool_calls ?? []) content.push(toolUseBlock(call, truncated));

  return {
    id: newMessageId(),
    type: "message",
    role: "assistant",
    model: clientModel,
    content,
    stop_reason: toStopReason(choice.finish_reason),
    stop_sequence: null,
    usage: messageUsageObject(response.usage),
  };
}

/** Returns the response text. A refusal is text too, since Anthropic has no refusal field. */
function messageText(message: ChatMessage): string {
  let text = "";
  if (typeof message.content === "string") text = message.content;
  else if (Array.isArray(message.content)) {
    for (const part of message.content) {
      if (part.type === "text" && typeof part.text === "string") text += part.text;
    }
  }
  if (typeof message.refusal === "string") text += message.refusal;
  return text;
}

/**
 * Parses the arguments into the input object. Arguments cut off by the output limit cannot
 * parse, so a truncated response gets an empty input, which its `max_tokens` stop reason
 * explains. Otherwise arguments that are not a JSON object are a provider fault.
 * NOTE: a Gemini thought signature on a function call (`extra_content`) has no place in a
 * tool_use block and is dropped, so a replayed call goes back to Gemini 3 unsigned.
 */
export function toolUseBlock(call: ToolCall, truncated: boolean): ContentBlock {
  const input = parseInput(call.function?.arguments ?? "");
  if (input === null && !truncated) {
    throw invalidAnswer(`the arguments of tool call '${call.id}' are not a JSON object.`);
  }
  return {
    type: "tool_use",
    id: toolUseId(call.id),
    name: call.function?.name ?? "",
    input: input ?? {},
  };
}

function parseInput(text: string): Record<string, unknown> | null {
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // Falls through to null: the caller decides whether bad arguments are a fault.
  }
  return null;
}

function invalidAnswer(detail: string): NexusError {
  return new NexusError(
    "upstream_invalid_response",
    `The provider returned a completion that cannot be translated to a message: ${detail}`,
    { status: 502, type: "api_error" },
  );
}
