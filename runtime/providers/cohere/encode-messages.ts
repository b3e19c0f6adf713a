/**
 * Translates the OpenAI message list into Cohere v2 messages. The roles match one to one
 * (developer becomes system), so order and position are kept.
 */

import type { ChatMessage, ContentPart, ToolCall } from "../../canonical/chat.ts";
import { roleError } from "../shared/role-error.ts";
import { toolCallId } from "../shared/tool-call-id.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
import type {
  CohereMessage,
  CohereTextPart,
  CohereThinkingPart,
  CohereToolCall,
  CohereUserPart,
} from "./wire.ts";

export function encodeMessages(messages: ChatMessage[]): CohereMessage[] {
  return messages.map((message, index) => encodeMessage(message, `messages[${index}]`));
}

function encodeMessage(message: ChatMessage, param: string): CohereMessage {
  switch (message.role) {
    case "system":
    case "developer":
      return { role: "system", content: encodeText(message.content, `${param}.content`) };
    case "user":
      return { role: "user", content: encodeUserContent(message.content, `${param}.content`) };
    case "assistant":
      return encodeAssistant(message, param);
    case "tool":
      return encodeToolResult(message, param);
    default:
      throw roleError(message.role, param, unsupportedParameter);
  }
}

/** Text-only content: a string stays a string, text parts stay parts, anything else is rejected. */
function encodeText(content: ChatMessage["content"], param: string): string | CohereTextPart[] {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  return content.map((part, index) => textPart(part, `${param}[${index}]`));
}

function textPart(part: ContentPart, param: string): CohereTextPart {
  if (part.type === "text" && typeof part.text === "string") {
    return { type: "text", text: part.text };
  }
  throw unsupportedParameter(param, `a '${part.type}' part is not allowed here; send text.`);
}

function encodeUserContent(
  content: ChatMessage["content"],
  param: string,
): string | CohereUserPart[] {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;

  return content.map((part, index): CohereUserPart => {
    const partParam = `${param}[${index}]`;
    if (part.type !== "image_url") return textPart(part, partParam);

    const image = part.image_url as { url?: unknown; detail?: unknown } | undefined;
    if (typeof image?.url !== "string") {
      throw invalidRequest(`${partParam}.image_url.url is missing.`, `${partParam}.image_url`);
    }
    const encoded: CohereUserPart = { type: "image_url", image_url: { url: image.url } };
    if (image.detail === "auto" || image.detail === "low" || image.detail === "high") {
      encoded.image_url.detail = image.detail;
    }
    return encoded;
  });
}

/**
 * Cohere keeps the model's text before a tool call in `tool_plan`, not in `content`. An
 * assistant message with tool calls therefore sends its `tool_plan` field when the client kept
 * it, and otherwise its text content as the plan (the decoders put the plan in `content`).
 */
function encodeAssistant(message: ChatMessage, param: string): CohereMessage {
  const calls = message.tool_calls ?? [];
  const text = joinText(message.content, `${param}.content`);
  const thinking = typeof message.reasoning_content === "string" ? message.reasoning_content : "";

  if (calls.length > 0) {
    const encoded: CohereMessage = {
      role: "assistant",
      tool_calls: calls.map((call, index) => encodeToolCall(call, `${param}.tool_calls[${index}]`)),
    };
    const plan = typeof message.tool_plan === "string" ? message.tool_plan : text;
    if (plan !== "") encoded.tool_plan = plan;
    return encoded;
  }

  if (thinking === "") return { role: "assistant", content: text };
  const parts: (CohereTextPart | CohereThinkingPart)[] = [{ type: "thinking", thinking }];
  if (text !== "") parts.push({ type: "text", text });
  return { role: "assistant", content: parts };
}

function joinText(content: ChatMessage["content"], param: string): string {
  const encoded = encodeText(content, param);
  if (typeof encoded === "string") return encoded;
  return encoded.map((part) => part.text).join("");
}

function encodeToolCall(call: ToolCall, param: string): CohereToolCall {
  if (typeof call.id !== "string" || typeof call.function?.name !== "string") {
    throw invalidRequest(`${param} needs an id and a function name.`, param);
  }
  // Cohere rejects an empty arguments string; "{}" is a call without arguments.
  const args = call.function.arguments?.trim() ? call.function.arguments : "{}";
  return { id: call.id, type: "function", function: { name: call.function.name, arguments: args } };
}

function encodeToolResult(message: ChatMessage, param: string): CohereMessage {
  return {
    role: "tool",
    tool_call_id: toolCallId(message, param),
    content: encodeText(message.content, `${param}.content`),
  };
}
