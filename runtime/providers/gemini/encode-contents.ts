/**
 * Translates the OpenAI message list into Gemini `systemInstruction` and `contents`. Gemini has
 * no system role among the turns, so system and developer messages join `systemInstruction` in
 * order. Tool results are user turns of `functionResponse` parts, and consecutive messages of
 * one role share a turn, so the results of parallel calls arrive together as Gemini expects.
 */

import type { ChatMessage, ToolCall } from "../../canonical/chat.ts";
import { groupTurns } from "../shared/group-turns.ts";
import { parseToolArguments } from "../shared/parse-tool-arguments.ts";
import { toolCallId } from "../shared/tool-call-id.ts";
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
  const callNames = new Map<string, string>();
  const strict = isGeminiThreeOrLater(upstreamModel);

  const { system, turns } = groupTurns<GeminiPart, GeminiPart>(messages, {
    system: encodeTextOnly,
    user: encodeContent,
    assistant: (message, param) => {
      for (const call of message.tool_calls ?? []) callNames.set(call.id, call.function.name);
      return encodeAssistant(message, param, strict);
    },
    toolResult: (message, param) => encodeToolResult(message, param, callNames),
    unsupportedParameter,
  });
  const contents = turns.map(({ role, content }): GeminiContent => ({
    role: role === "assistant" ? "model" : "user",
    parts: content,
  }));
  return { system, contents };
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
  const text = call.function?.arguments ?? "";
  const argsParam = `${param}.function.arguments`;
  const args = parseToolArguments(text, argsParam, "Gemini function args are one");

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
  const id = toolCallId(message, param);
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
