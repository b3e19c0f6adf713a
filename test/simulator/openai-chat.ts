/**
 * The default response of `POST /v1/chat/completions`: a `chat.completion` object, or its
 * stream of `chat.completion.chunk` events ending in `data: [DONE]`, shaped like the
 * recorded OpenAI responses.
 */

import { isRecord, type HandlerContext, type IncomingRequest } from "./incoming-request.ts";
import { checkOpenAIBody, isPayload, openaiError } from "./openai-request.ts";
import { jsonPayload, ssePayload, type Payload } from "./payload.ts";
import { openaiHeaders } from "./provider-headers.ts";
import { frameEvent } from "./sse-framing.ts";
import {
  countTextChars,
  decideAnswer,
  estimateTokens,
  splitDeltas,
  type Answer,
  type Conversation,
  type ToolChoice,
  type ToolSpec,
} from "./synthetic-answer.ts";

interface Completion {
  id: string;
  created: number;
  model: string;
  fingerprint: string;
  answer: Answer;
  toolCallId: string;
  finishReason: "stop" | "tool_calls" | "length";
  usage: ReturnType<typeof usage>;
}

export function handleOpenAIChat(incoming: IncomingRequest, context: HandlerContext): Payload {
  const body = checkOpenAIBody(incoming, context, ["model", "messages"]);
  if (isPayload(body)) return body;
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    const message = "Invalid 'messages': expected a non-empty array of message objects.";
    return openaiError(context, 400, message, "messages", "invalid_type");
  }

  const completion = buildCompletion(body, context);
  const headers = openaiHeaders(context.ids.openaiRequest(), completion.usage.total_tokens);
  if (body.stream !== true) return jsonPayload(200, headers, completionObject(completion));

  const options = isRecord(body.stream_options) ? body.stream_options : {};
  const chunks = streamChunks(completion, options.include_usage === true);
  const events = chunks.map((chunk) => {
    return frameEvent(JSON.stringify(chunk), undefined, context.sseStyle);
  });
  events.push(frameEvent("[DONE]", undefined, context.sseStyle));
  return ssePayload(headers, events);
}

function buildCompletion(body: Record<string, unknown>, context: HandlerContext): Completion {
  const conversation = toConversation(body);
  const answer = decideAnswer(conversation);
  const outputChars =
    answer.kind === "text" ? answer.text.length : JSON.stringify(answer.arguments).length;
  return {
    id: context.ids.openaiCompletion(),
    created: Math.floor(Date.now() / 1000),
    model: String(body.model),
    fingerprint: `fp_${context.ids.hex(10)}`,
    answer,
    toolCallId: answer.kind === "tool" ? context.ids.openaiToolCall() : "",
    finishReason: finishReasonOf(answer),
    usage: usage(estimateTokens(conversation.inputChars), estimateTokens(outputChars)),
  };
}

function finishReasonOf(answer: Answer): Completion["finishReason"] {
  if (answer.kind === "tool") return "tool_calls";
  return answer.truncated ? "length" : "stop";
}

function usage(promptTokens: number, completionTokens: number) {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function completionObject(completion: Completion): Record<string, unknown> {
  const { answer } = completion;
  const message =
    answer.kind === "tool"
      ? { role: "assistant", content: null, tool_calls: [toolCall(completion)] }
      : { role: "assistant", content: answer.text };

  return {
    id: completion.id,
    object: "chat.completion",
    created: completion.created,
    model: completion.model,
    choices: [
      {
        index: 0,
        message: { ...message, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: completion.finishReason,
      },
    ],
    usage: completion.usage,
    service_tier: "default",
    system_fingerprint: completion.fingerprint,
  };
}

function toolCall(completion: Completion) {
  const answer = completion.answer;
  const name = answer.kind === "tool" ? answer.name : "";
  const args = answer.kind === "tool" ? JSON.stringify(answer.arguments ?? {}) : "";
  return { id: completion.toolCallId, type: "function", function: { name, arguments: args } };
}

function streamChunks(completion: Completion, includeUsage: boolean): Record<string, unknown>[] {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id: completion.id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
    service_tier: "default",
    system_fingerprint: completion.fingerprint,
    choices,
    // With include_usage, every chunk carries `usage: null` until the final usage chunk.
    ...(includeUsage ? { usage: null } : {}),
    ...extra,
  });
  const choice = (delta: unknown, finishReason: string | null = null) => {
    return { index: 0, delta, logprobs: null, finish_reason: finishReason };
  };

  const chunks = deltas(completion).map((delta) => chunk([choice(delta)]));
  chunks.push(chunk([choice({}, completion.finishReason)]));
  if (includeUsage) chunks.push(chunk([], { usage: completion.usage }));
  return chunks;
}

function deltas(completion: Completion): Record<string, unknown>[] {
  const { answer } = completion;
  if (answer.kind === "text") {
    const first = { role: "assistant", content: "", refusal: null };
    return [first, ...splitDeltas(answer.text).map((content) => ({ content }))];
  }

  const call = toolCall(completion);
  const opening = { index: 0, ...call, function: { name: call.function.name, arguments: "" } };
  const first = { role: "assistant", content: null, tool_calls: [opening], refusal: null };
  const pieces = splitDeltas(call.function.arguments, 12).map((argumentsPiece) => {
    return { tool_calls: [{ index: 0, function: { arguments: argumentsPiece } }] };
  });
  return [first, ...pieces];
}

function toConversation(body: Record<string, unknown>): Conversation {
  const messages = (body.messages as unknown[]).filter(isRecord);
  const last = messages.at(-1);
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord).map(toTool) : [];
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;

  return {
    lastUserText: last?.role === "user" || last?.role === "tool" ? textOf(last.content) : "",
    endsWithPrompt: last?.role === "user",
    tools: tools.filter((tool): tool is ToolSpec => tool !== undefined),
    toolChoice: toToolChoice(body.tool_choice),
    inputChars:
      countTextChars(messages) + (body.tools === undefined ? 0 : JSON.stringify(body.tools).length),
    maxOutputTokens: typeof maxTokens === "number" ? maxTokens : undefined,
  };
}

function toTool(tool: Record<string, unknown>): ToolSpec | undefined {
  const fn = tool.function;
  if (!isRecord(fn) || typeof fn.name !== "string") return undefined;
  return { name: fn.name, schema: fn.parameters ?? { type: "object" } };
}

function toToolChoice(choice: unknown): ToolChoice {
  if (choice === "none") return { kind: "none" };
  if (choice === "required") return { kind: "required" };
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === "string") {
    return { kind: "tool", name: choice.function.name };
  }
  return { kind: "auto" };
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const texts = content.filter(isRecord).map((part) => {
    return part.type === "text" && typeof part.text === "string" ? part.text : "";
  });
  return texts.filter((text) => text !== "").join("\n");
}
