/** Decodes a non-streaming Gemini `generateContent` response into a `chat.completion`. */

import type {
  ChatChoice,
  ChatMessage,
  ChatResponse,
  ReasoningDetail,
  ToolCall,
} from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { toFinishReason } from "./finish-reason.ts";
import { signatureDetail, signToolCall } from "./thought-signature.ts";
import { invalidUpstream } from "./upstream-errors.ts";
import { toUsage } from "./usage.ts";
import type { GeminiCandidate, GeminiResponse } from "./wire.ts";

export function decodeChatResponse(body: unknown, context: DecodeContext): ChatResponse {
  const response = readResponse(body);
  const candidates = response.candidates ?? [];

  // A prompt Gemini blocked has no candidates, only the reason in promptFeedback.
  const choices =
    candidates.length === 0 && response.promptFeedback?.blockReason !== undefined
      ? [blockedChoice()]
      : candidates.map((candidate, position) => decodeCandidate(candidate, position));

  return {
    id: response.responseId ?? `chatcmpl-gemini-${crypto.randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: context.clientModel,
    choices,
    usage: toUsage(response.usageMetadata),
  };
}

function decodeCandidate(candidate: GeminiCandidate, position: number): ChatChoice {
  let text = "";
  let reasoning = "";
  const details: ReasoningDetail[] = [];
  const toolCalls: ToolCall[] = [];

  for (const part of candidate.content?.parts ?? []) {
    const signature = part.thoughtSignature;
    if (part.functionCall !== undefined) {
      const call = part.functionCall;
      const id = call.id ?? `call_${toolCalls.length}`;
      const args = JSON.stringify(call.args ?? {});
      const toolCall: ToolCall = {
        id,
        type: "function",
        function: { name: call.name ?? "", arguments: args },
      };
      toolCalls.push(signToolCall(toolCall, signature));
      continue;
    }

    if (typeof part.text === "string") {
      if (part.thought === true) reasoning += part.text;
      else text += part.text;
    }
    if (typeof signature === "string" && signature !== "") {
      details.push(signatureDetail(signature));
    }
  }

  const message: ChatMessage = {
    role: "assistant",
    content: text === "" && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== "") message.reasoning_content = reasoning;
  if (details.length > 0) message.reasoning_details = details;

  return {
    index: candidate.index ?? position,
    message,
    finish_reason: toFinishReason(candidate.finishReason, toolCalls.length > 0),
  };
}

function blockedChoice(): ChatChoice {
  return {
    index: 0,
    message: { role: "assistant", content: "", refusal: null },
    finish_reason: "content_filter",
  };
}

function readResponse(body: unknown): GeminiResponse {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidUpstream("the body is not an object.");
  }
  const response = body as GeminiResponse;
  if (response.candidates !== undefined && !Array.isArray(response.candidates)) {
    throw invalidUpstream("candidates is not an array.");
  }
  return response;
}
