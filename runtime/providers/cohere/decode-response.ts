/** Decodes a non-streaming Cohere v2 chat response into a `chat.completion`. */

import type { ChatMessage, ChatResponse, ToolCall } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { isErrorFinish, toFinishReason } from "./finish-reason.ts";
import { generationFailed, invalidUpstream } from "./upstream-errors.ts";
import { toUsage } from "./usage.ts";
import type { CohereChatResponse, CohereResponsePart } from "./wire.ts";

/**
 * Text parts become `content` and thinking parts `reasoning_content`. The `tool_plan` (the
 * model's note on which tools it will call) also becomes `content`, as the text before a tool
 * call does on OpenAI and Anthropic, and the encoder sends it back as `tool_plan`.
 */
export function decodeChatResponse(body: unknown, context: DecodeContext): ChatResponse {
  const response = readResponse(body);
  if (isErrorFinish(response.finish_reason)) throw generationFailed();

  const parts = response.message.content ?? [];
  const text = joinParts(parts, "text") + (response.message.tool_plan ?? "");
  const reasoning = joinParts(parts, "thinking");
  const toolCalls = readToolCalls(response);

  const message: ChatMessage = {
    role: "assistant",
    content: text === "" && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== "") message.reasoning_content = reasoning;

  let finish = toFinishReason(response.finish_reason);
  if (finish === "tool_calls" && toolCalls.length === 0) finish = "stop";

  return {
    id: response.id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: context.clientModel,
    choices: [{ index: 0, message, finish_reason: finish }],
    usage: toUsage(response.usage),
  };
}

function joinParts(parts: CohereResponsePart[], type: "text" | "thinking"): string {
  let joined = "";
  for (const part of parts) {
    const value = part.type === type ? (part as Record<string, unknown>)[type] : undefined;
    if (typeof value === "string") joined += value;
  }
  return joined;
}

function readToolCalls(response: CohereChatResponse): ToolCall[] {
  return (response.message.tool_calls ?? []).map((call) => ({
    id: String(call.id),
    type: "function",
    function: {
      name: String(call.function?.name),
      arguments: call.function?.arguments || "{}",
    },
  }));
}

function readResponse(body: unknown): CohereChatResponse {
  if (typeof body !== "object" || body === null) {
    throw invalidUpstream("the body is not an object.");
  }
  const response = body as Partial<CohereChatResponse>;
  if (typeof response.id !== "string") throw invalidUpstream("the response has no id.");
  if (typeof response.message !== "object" || response.message === null) {
    throw invalidUpstream("the response has no message.");
  }
  return response as CohereChatResponse;
}
