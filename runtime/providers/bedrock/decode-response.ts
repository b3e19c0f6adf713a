/** Decodes a Converse response into a `chat.completion`. */

import type { ChatResponse, ReasoningDetail } from "../../canonical/chat.ts";
import { jsonToolName } from "../anthropic/json-mode.ts";
import type { DecodeContext } from "../codec.ts";
import {
  answerMessage,
  type CollectedAnswer,
  collectToolUse,
  emptyAnswer,
} from "../shared/collected-answer.ts";
import { finishForToolCount } from "../shared/tool-finish.ts";
import { toFinishReason } from "./finish-reason.ts";
import { responseId } from "./response-id.ts";
import { invalidUpstream } from "./upstream-errors.ts";
import { toUsage } from "./usage.ts";
import type { ConverseResponse, ResponseBlock } from "./wire.ts";

export function decodeChatResponse(body: unknown, context: DecodeContext): ChatResponse {
  const response = readResponse(body);
  const answer = collectBlocks(response.output.message.content, context);
  const message = answerMessage(answer);
  const finish = finishForToolCount(toFinishReason(response.stopReason), answer.toolCalls.length);

  return {
    id: responseId(),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: context.clientModel,
    choices: [{ index: 0, message, finish_reason: finish }],
    usage: toUsage(response.usage),
  };
}

function collectBlocks(blocks: ResponseBlock[], context: DecodeContext): CollectedAnswer {
  const jsonTool = jsonToolName(context.request);
  const answer = emptyAnswer();

  for (const block of blocks) {
    if (typeof block.text === "string") {
      answer.text += block.text;
    } else if (block.reasoningContent !== undefined) {
      collectReasoning(block.reasoningContent, answer);
    } else if (block.toolUse !== undefined) {
      const { toolUseId, name, input } = block.toolUse;
      const call = { id: String(toolUseId ?? ""), name: String(name ?? ""), input };
      collectToolUse(answer, jsonTool, call);
    }
    // Other blocks (citations, guardrail assessments, images) have no Chat Completions field.
  }
  return answer;
}

function collectReasoning(
  reasoning: NonNullable<ResponseBlock["reasoningContent"]>,
  answer: CollectedAnswer,
): void {
  if (typeof reasoning.redactedContent === "string") {
    answer.details.push({ type: "redacted_thinking", data: reasoning.redactedContent });
    return;
  }
  const text = reasoning.reasoningText?.text ?? "";
  const detail: ReasoningDetail = { type: "thinking", thinking: text };
  const signature = reasoning.reasoningText?.signature;
  if (typeof signature === "string") detail.signature = signature;
  answer.reasoning += text;
  answer.details.push(detail);
}

function readResponse(body: unknown): ConverseResponse {
  if (typeof body !== "object" || body === null) {
    throw invalidUpstream("the body is not an object.");
  }

  const output = (body as { output?: { message?: { content?: unknown } } }).output;
  if (!Array.isArray(output?.message?.content)) {
    throw invalidUpstream("the response has no output.message.content array.");
  }
  return body as ConverseResponse;
}
