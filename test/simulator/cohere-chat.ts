/**
 * The default response of Cohere `POST /v2/chat`: a chat response object, or its stream of
 * typed events (`event: <type>` and a JSON `data:` line whose `type` repeats it), from
 * message-start to message-end, which carries the finish reason and the usage.
 */

import { checkCohereBody, cohereError, cohereHeaders } from "./cohere-request.ts";
import { cohereConversation } from "./cohere-conversation.ts";
import type { HandlerContext, IncomingRequest } from "./incoming-request.ts";
import { isPayload } from "./openai-request.ts";
import { jsonPayload, ssePayload, type Payload } from "./payload.ts";
import { frameEvent } from "./sse-framing.ts";
import { decideAnswer, estimateTokens, splitDeltas, type Answer } from "./synthetic-answer.ts";

interface Reply {
  id: string;
  answer: Answer;
  toolCallId: string;
  finishReason: "COMPLETE" | "TOOL_CALL" | "MAX_TOKENS";
  inputTokens: number;
  outputTokens: number;
}

type Event = Record<string, unknown> & { type: string };

export function handleCohereChat(incoming: IncomingRequest, context: HandlerContext): Payload {
  const body = checkCohereBody(incoming, context, ["model", "messages"]);
  if (isPayload(body)) return body;
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return cohereError(context, 400, "invalid request: messages must not be empty");
  }

  const reply = buildReply(body, context);
  const headers = cohereHeaders(context.ids.cohereUuid());
  if (body.stream !== true) return jsonPayload(200, headers, responseObject(reply));

  const events = streamEvents(reply).map((event) => {
    return frameEvent(JSON.stringify(event), event.type, context.sseStyle);
  });
  return ssePayload(headers, events);
}

function buildReply(body: Record<string, unknown>, context: HandlerContext): Reply {
  const conversation = cohereConversation(body);
  const answer = decideAnswer(conversation);
  const outputChars =
    answer.kind === "text" ? answer.text.length : JSON.stringify(answer.arguments).length;
  return {
    id: context.ids.cohereUuid(),
    answer,
    toolCallId: answer.kind === "tool" ? context.ids.cohereToolCall(answer.name) : "",
    finishReason: finishReasonOf(answer),
    inputTokens: estimateTokens(conversation.inputChars),
    outputTokens: estimateTokens(outputChars),
  };
}

function finishReasonOf(answer: Answer): Reply["finishReason"] {
  if (answer.kind === "tool") return "TOOL_CALL";
  return answer.truncated ? "MAX_TOKENS" : "COMPLETE";
}

/** Cohere bills the same counts it reports as model tokens for plain chat. */
function usage(reply: Reply) {
  const counts = { input_tokens: reply.inputTokens, output_tokens: reply.outputTokens };
  return { billed_units: counts, tokens: counts };
}

function toolPlan(name: string): string {
  return `I will call ${name} to answer this.`;
}

function responseObject(reply: Reply): Record<string, unknown> {
  const { answer } = reply;
  const message =
    answer.kind === "tool"
      ? {
          role: "assistant",
          tool_plan: toolPlan(answer.name),
          tool_calls: [toolCall(reply, JSON.stringify(answer.arguments))],
        }
      : { role: "assistant", content: [{ type: "text", text: answer.text }] };
  return { id: reply.id, message, finish_reason: reply.finishReason, usage: usage(reply) };
}

function toolCall(reply: Reply, args: string) {
  const name = reply.answer.kind === "tool" ? reply.answer.name : "";
  return { id: reply.toolCallId, type: "function", function: { name, arguments: args } };
}

function streamEvents(reply: Reply): Event[] {
  const start: Event = {
    id: reply.id,
    type: "message-start",
    delta: { message: { role: "assistant", content: [], tool_plan: "", tool_calls: [] } },
  };
  const end: Event = {
    type: "message-end",
    delta: { finish_reason: reply.finishReason, usage: usage(reply) },
  };
  const body = reply.answer.kind === "tool" ? toolEvents(reply) : textEvents(reply.answer.text);
  return [start, ...body, end];
}

function textEvents(text: string): Event[] {
  const message = (content: Record<string, unknown>) => ({ message: { content } });
  const deltas = splitDeltas(text).map((piece): Event => {
    return { type: "content-delta", index: 0, delta: message({ text: piece }) };
  });
  return [
    { type: "content-start", index: 0, delta: message({ type: "text", text: "" }) },
    ...deltas,
    { type: "content-end", index: 0 },
  ];
}

function toolEvents(reply: Reply): Event[] {
  const answer = reply.answer;
  const name = answer.kind === "tool" ? answer.name : "";
  const args = answer.kind === "tool" ? JSON.stringify(answer.arguments) : "";
  const message = (fields: Record<string, unknown>) => ({ message: fields });

  const plan = splitDeltas(toolPlan(name)).map((piece): Event => {
    return { type: "tool-plan-delta", delta: message({ tool_plan: piece }) };
  });
  const pieces = splitDeltas(args, 12).map((piece): Event => {
    const call = { function: { arguments: piece } };
    return { type: "tool-call-delta", index: 0, delta: message({ tool_calls: call }) };
  });
  const opening = toolCall(reply, "");
  return [
    ...plan,
    { type: "tool-call-start", index: 0, delta: message({ tool_calls: opening }) },
    ...pieces,
    { type: "tool-call-end", index: 0 },
  ];
}
