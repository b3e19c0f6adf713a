/**
 * The default response of `POST /v1/responses`: a `response` object, or its stream of
 * Responses events (see `openai-responses-stream.ts`), shaped like the recorded OpenAI
 * responses. With `reasoning.effort` set (and not `none`) the output starts with a reasoning
 * item that carries a summary and a stand-in `encrypted_content`.
 */

import { createHash } from "node:crypto";
import { isRecord, type HandlerContext, type IncomingRequest } from "./incoming-request.ts";
import { checkOpenAIBody, isPayload } from "./openai-request.ts";
import { responseEvents } from "./openai-responses-stream.ts";
import { jsonPayload, ssePayload, type Payload } from "./payload.ts";
import { openaiHeaders } from "./provider-headers.ts";
import { frameEvent } from "./sse-framing.ts";
import {
  countTextChars,
  decideAnswer,
  estimateTokens,
  type Answer,
  type Conversation,
  type ToolChoice,
  type ToolSpec,
} from "./synthetic-answer.ts";

export function handleOpenAIResponses(
  incoming: IncomingRequest,
  context: HandlerContext,
): Payload {
  const body = checkOpenAIBody(incoming, context, ["model"]);
  if (isPayload(body)) return body;

  const response = buildResponse(body, context);
  const usage = response.usage as { total_tokens: number };
  const headers = openaiHeaders(context.ids.openaiRequest(), usage.total_tokens);
  if (body.stream !== true) return jsonPayload(200, headers, response);

  const events = responseEvents(response).map((event) => {
    return frameEvent(JSON.stringify(event), String(event.type), context.sseStyle);
  });
  return ssePayload(headers, events);
}

function buildResponse(
  body: Record<string, unknown>,
  context: HandlerContext,
): Record<string, unknown> {
  const conversation = toConversation(body);
  const answer = decideAnswer(conversation);
  const reasoning = reasoningItem(body, conversation, context);
  const output = [...(reasoning === null ? [] : [reasoning]), answerItem(answer, context)];

  const truncated = answer.kind === "text" && answer.truncated;
  const outputChars = countTextChars(output);
  const reasoningTokens = reasoning === null ? 0 : estimateTokens(countTextChars(reasoning));
  const inputTokens = estimateTokens(conversation.inputChars);
  const outputTokens = estimateTokens(outputChars);
  return {
    id: `resp_${context.ids.hex(50)}`,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status: truncated ? "incomplete" : "completed",
    background: false,
    error: null,
    incomplete_details: truncated ? { reason: "max_output_tokens" } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: String(body.model),
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: effortOf(body), summary: null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: "text" }, verbosity: "medium" },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: "disabled",
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: reasoningTokens },
      total_tokens: inputTokens + outputTokens,
    },
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

function effortOf(body: Record<string, unknown>): string | null {
  const effort = isRecord(body.reasoning) ? body.reasoning.effort : undefined;
  return typeof effort === "string" ? effort : null;
}

function reasoningItem(
  body: Record<string, unknown>,
  conversation: Conversation,
  context: HandlerContext,
): Record<string, unknown> | null {
  const effort = effortOf(body);
  if (effort === null || effort === "none") return null;

  const text = `The user wrote: ${conversation.lastUserText.slice(0, 80)}`;
  const digest = createHash("sha256").update(text).digest("base64url");
  return {
    id: `rs_${context.ids.hex(50)}`,
    type: "reasoning",
    encrypted_content: `gAAAAB${digest}`,
    summary: [{ type: "summary_text", text }],
  };
}

function answerItem(answer: Answer, context: HandlerContext): Record<string, unknown> {
  if (answer.kind === "tool") {
    return {
      id: `fc_${context.ids.hex(50)}`,
      type: "function_call",
      status: "completed",
      arguments: JSON.stringify(answer.arguments ?? {}),
      call_id: context.ids.openaiToolCall(),
      name: answer.name,
    };
  }
  return {
    id: `msg_${context.ids.hex(50)}`,
    type: "message",
    status: answer.truncated ? "incomplete" : "completed",
    content: [{ type: "output_text", annotations: [], logprobs: [], text: answer.text }],
    role: "assistant",
  };
}

function toConversation(body: Record<string, unknown>): Conversation {
  const items = typeof body.input === "string"
    ? [{ role: "user", content: body.input }]
    : (Array.isArray(body.input) ? body.input.filter(isRecord) : []);
  const last = items.at(-1);
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord).map(toTool) : [];
  const maxTokens = body.max_output_tokens;

  return {
    lastUserText: lastUserText(last),
    endsWithPrompt: last?.role === "user",
    tools: tools.filter((tool): tool is ToolSpec => tool !== undefined),
    toolChoice: toToolChoice(body.tool_choice),
    inputChars: countTextChars(items) + countTextChars(body.instructions ?? "") +
      (body.tools === undefined ? 0 : JSON.stringify(body.tools).length),
    maxOutputTokens: typeof maxTokens === "number" ? maxTokens : undefined,
  };
}

function lastUserText(item: Record<string, unknown> | undefined): string {
  if (item === undefined) return "";
  if (item.type === "function_call_output") return textOf(item.output);
  return item.role === "user" ? textOf(item.content) : "";
}

function toTool(tool: Record<string, unknown>): ToolSpec | undefined {
  if (tool.type !== "function" || typeof tool.name !== "string") return undefined;
  return { name: tool.name, schema: tool.parameters ?? { type: "object" } };
}

function toToolChoice(choice: unknown): ToolChoice {
  if (choice === "none") return { kind: "none" };
  if (choice === "required") return { kind: "required" };
  if (isRecord(choice) && choice.type === "function" && typeof choice.name === "string") {
    return { kind: "tool", name: choice.name };
  }
  return { kind: "auto" };
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const texts = content.filter(isRecord).map((part) => {
    return typeof part.text === "string" ? part.text : "";
  });
  return texts.filter((text) => text !== "").join("\n");
}
