import type { ChatMessage, ContentPart, ToolCall } from "../../../../runtime/canonical/chat.ts";
import { isRecord } from "../../../../runtime/providers/openai/is-record.ts";
import { decodeReasoningDetails } from "./reasoning-blob.ts";
import { invalidParameter, unsupportedParameter } from "./request-errors.ts";

const MESSAGE_ROLES = new Set(["user", "system", "developer", "assistant"]);

/**
 * Translates a Responses `input` into chat messages. A string is one user message. Items
 * become messages in order: `message` items keep their role, `function_call` items become
 * tool calls of an assistant message, `function_call_output` items become tool messages, and
 * `reasoning` items become the reasoning of the assistant message that follows them. An
 * assistant turn that OpenAI splits into several items (reasoning, text, calls) is joined
 * into one assistant message, as chat providers expect.
 */
export function decodeInput(input: string | unknown[] | undefined): ChatMessage[] {
  if (input === undefined) throw invalidParameter("input", "the request has no input.");
  if (typeof input === "string") return [{ role: "user", content: input }];

  const messages: ChatMessage[] = [];
  input.forEach((item, index) => {
    const param = `input[${index}]`;
    if (!isRecord(item)) throw invalidParameter(param, "each input item must be an object.");
    addItem(messages, item, param);
  });
  // Chat APIs reject an empty `tool_calls` array.
  for (const message of messages) {
    if (message.tool_calls?.length === 0) delete message.tool_calls;
  }
  return messages;
}

function addItem(messages: ChatMessage[], item: Record<string, unknown>, param: string): void {
  const type = item.type ?? "message";
  switch (type) {
    case "message":
      return addMessage(messages, item, param);
    case "function_call":
      openAssistant(messages, "tool_calls").tool_calls?.push(toToolCall(item, param));
      return;
    case "function_call_output":
      messages.push(toToolMessage(item, param));
      return;
    case "reasoning":
      return addReasoning(openAssistant(messages, "reasoning"), item);
    case "item_reference":
      throw unsupportedParameter(`${param}.type`,
        "Nexus stores no responses or items, so 'item_reference' cannot be resolved; " +
          "send the item itself.");
  }
  throw unsupportedParameter(`${param}.type`,
    `input items of type '${String(type)}' are not supported for this model; ` +
      "send message, function_call, function_call_output or reasoning items.");
}

function addMessage(messages: ChatMessage[], item: Record<string, unknown>, param: string): void {
  const role = item.role;
  if (typeof role !== "string" || !MESSAGE_ROLES.has(role)) {
    throw invalidParameter(`${param}.role`, "use user, system, developer or assistant.");
  }
  const content = decodeContent(item.content, `${param}.content`);
  if (role !== "assistant") {
    messages.push({ role: role as ChatMessage["role"], content });
    return;
  }
  const assistant = openAssistant(messages, "content");
  assistant.content = joinContent(assistant.content, content);
}

/**
 * Returns the assistant message that the next part of an assistant turn belongs to. A new
 * message starts when the last one cannot take `part`, because in one chat turn text and
 * reasoning may not follow tool calls, and reasoning may not follow text.
 */
function openAssistant(
  messages: ChatMessage[],
  part: "content" | "tool_calls" | "reasoning",
): ChatMessage {
  const last = messages.at(-1);
  const hasCalls = (last?.tool_calls?.length ?? 0) > 0;
  const hasText = last?.content !== undefined && last.content !== null;
  const fits = last?.role === "assistant" &&
    (part === "tool_calls" || (!hasCalls && (part === "content" || !hasText)));
  if (last !== undefined && fits) {
    last.tool_calls ??= [];
    return last;
  }
  const message: ChatMessage = { role: "assistant", content: null, tool_calls: [] };
  messages.push(message);
  return message;
}

function addReasoning(message: ChatMessage, item: Record<string, unknown>): void {
  const texts = [...textsOf(item.summary), ...textsOf(item.content)];
  if (texts.length > 0) {
    message.reasoning_content = [message.reasoning_content, ...texts]
      .filter((text) => typeof text === "string" && text !== "").join("\n\n");
  }
  // OpenAI's own encrypted reasoning is readable only by OpenAI, so only details the gateway
  // wrote are replayed.
  const details = decodeReasoningDetails(item.encrypted_content);
  if (details !== null) {
    message.reasoning_details = [...message.reasoning_details ?? [], ...details];
  }
}

function textsOf(parts: unknown): string[] {
  if (!Array.isArray(parts)) return [];
  return parts.filter(isRecord).map((part) => part.text).filter((text): text is string => {
    return typeof text === "string" && text !== "";
  });
}

function toToolCall(item: Record<string, unknown>, param: string): ToolCall {
  const { call_id: callId, name } = item;
  if (typeof callId !== "string" || callId === "") {
    throw invalidParameter(`${param}.call_id`, "a function_call item needs its call_id.");
  }
  if (typeof name !== "string" || name === "") {
    throw invalidParameter(`${param}.name`, "a function_call item needs the function name.");
  }
  const args = typeof item.arguments === "string" ? item.arguments : "{}";
  return { id: callId, type: "function", function: { name, arguments: args } };
}

function toToolMessage(item: Record<string, unknown>, param: string): ChatMessage {
  const callId = item.call_id;
  if (typeof callId !== "string" || callId === "") {
    throw invalidParameter(`${param}.call_id`, "a function_call_output item needs its call_id.");
  }
  const output = item.output;
  const content = typeof output === "string" ? output : decodeContent(output, `${param}.output`);
  return { role: "tool", tool_call_id: callId, content };
}

/** Translates message content: a string, or input_text, output_text and input_image parts. */
function decodeContent(content: unknown, param: string): string | ContentPart[] {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw invalidParameter(param, "expected a string or an array.");
  return content.map((part, index) => decodePart(part, `${param}[${index}]`));
}

function decodePart(part: unknown, param: string): ContentPart {
  if (!isRecord(part)) throw invalidParameter(param, "each content part must be an object.");
  switch (part.type) {
    case "input_text":
    case "output_text":
    case "refusal": {
      const text = part.type === "refusal" ? part.refusal : part.text;
      if (typeof text !== "string") throw invalidParameter(param, "the part has no text.");
      return { type: "text", text };
    }
    case "input_image": {
      if (typeof part.image_url !== "string") {
        throw unsupportedParameter(`${param}.file_id`,
          "images by file id need OpenAI's file store; send image_url instead.");
      }
      const detail = part.detail === "low" || part.detail === "high" ? part.detail : "auto";
      return { type: "image_url", image_url: { url: part.image_url, detail } };
    }
  }
  throw unsupportedParameter(`${param}.type`,
    `content parts of type '${String(part.type)}' are not supported for this model.`);
}

function joinContent(
  current: ChatMessage["content"],
  added: string | ContentPart[],
): string | ContentPart[] {
  if (current === undefined || current === null) return added;
  const asParts = (value: string | ContentPart[]): ContentPart[] => {
    return typeof value === "string" ? [{ type: "text", text: value }] : value;
  };
  return [...asParts(current), ...asParts(added)];
}
