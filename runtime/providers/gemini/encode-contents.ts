/**
 * Translates the OpenAI message list into Gemini `systemInstruction` and `contents`. Gemini has
 * no system role among the turns, so system and developer messages join `systemInstruction` in
 * order. Tool results are user turns of `functionResponse` parts, and consecutive messages of
 * one role share a turn, so the results of parallel calls arrive together as Gemini expects.
 */

import type { ChatMessage, ToolCall } from "../../canonical/chat.ts";
import { encodeContent, encodeTextOnly } from "./encode-parts.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
import {
  isGeminiThreeOrLater,
  SKIP_SIGNATURE,
  textSignature,
  toolCallSignature,
} from "./thought-signature.ts";
import type { GeminiContent, GeminiPart } from "./wire.ts";

export interface EncodedContents {
  system: GeminiPart[];
  contents: GeminiContent[];
}

export function encodeContents(messages: ChatMessage[], upstreamModel: string): EncodedContents {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const callNames = new Map<string, string>();
  const strict = isGeminiThreeOrLater(upstreamModel);

  messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    switch (message.role) {
      case "system":
      case "developer":
        system.push(...encodeTextOnly(message.content, `${param}.content`));
        break;
      case "user":
        appendTurn(contents, "user", encodeContent(message.content, `${param}.content`));
        break;
      case "assistant":
        for (const call of message.tool_calls ?? []) callNames.set(call.id, call.function.name);
        appendTurn(contents, "model", encodeAssistant(message, param, strict));
        break;
      case "tool":
        appendTurn(contents, "user", [encodeToolResult(message, param, callNames)]);
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
  return { system, contents };
}

function appendTurn(contents: GeminiContent[], role: "user" | "model", parts: GeminiPart[]) {
  if (parts.length === 0) return;

  const last = contents.at(-1);
  if (last !== undefined && last.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

/**
 * Thought text is not sent back: Gemini keeps its reasoning in the signatures. A text
 * signature goes on the last text part, and each function call carries its own.
 */
function encodeAssistant(message: ChatMessage, param: string, strict: boolean): GeminiPart[] {
  const parts = encodeContent(message.content, `${param}.content`);
  const signature = textSignature(message);
  const lastText = parts.findLast((part) => part.text !== undefined);
  if (signature !== undefined && lastText !== undefined) lastText.thoughtSignature = signature;

  (message.tool_calls ?? []).forEach((call, index) => {
    const part = encodeFunctionCall(call, `${param}.tool_calls[${index}]`);
    // Only the first call of a parallel batch carries a signature in Gemini's responses.
    if (part.thoughtSignature === undefined && index === 0 && strict) {
      part.thoughtSignature = SKIP_SIGNATURE;
    }
    parts.push(part);
  });
  return parts;
}

function encodeFunctionCall(call: ToolCall, param: string): GeminiPart {
  const args = parseObject(call.function?.arguments ?? "", `${param}.function.arguments`);
  if (args === null) {
    throw invalidRequest(
      `${param}.function.arguments must be a JSON object, because Gemini function args are one.`,
      `${param}.function.arguments`,
    );
  }

  const part: GeminiPart = { functionCall: { name: call.function.name, args } };
  const signature = toolCallSignature(call);
  if (signature !== undefined) part.thoughtSignature = signature;
  return part;
}

/**
 * Gemini matches a result to its call by function name, so the name comes from the assistant
 * message that made the call. A JSON object result is sent as is; anything else is wrapped.
 */
function encodeToolResult(
  message: ChatMessage,
  param: string,
  callNames: Map<string, string>,
): GeminiPart {
  const id = message.tool_call_id;
  if (typeof id !== "string" || id === "") {
    throw invalidRequest(`${param}.tool_call_id is missing.`, `${param}.tool_call_id`);
  }
  const name = callNames.get(id) ?? (typeof message.name === "string" ? message.name : undefined);
  if (name === undefined) {
    throw invalidRequest(
      `${param}.tool_call_id '${id}' matches no earlier assistant tool call.`,
      `${param}.tool_call_id`,
    );
  }

  const text = toolResultText(message.content, `${param}.content`);
  const response = parseObjectOrNull(text) ?? { content: text };
  return { functionResponse: { name, response } };
}

function toolResultText(content: ChatMessage["content"], param: string): string {
  const parts = encodeContent(content, param);
  if (parts.some((part) => part.text === undefined)) {
    throw unsupportedParameter(param, "tool results may only hold text for Gemini.");
  }
  return parts.map((part) => part.text).join("");
}

/** Parses call arguments; empty text is an empty object, and invalid JSON is refused. */
function parseObject(text: string, param: string): Record<string, unknown> | null {
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    throw invalidRequest(
      `${param} is not valid JSON; send the arguments the model produced.`,
      param,
    );
  }
}

function parseObjectOrNull(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
