/** Decodes a Converse response into a `chat.completion`. */

import type {
  ChatMessage,
  ChatResponse,
  FinishReason,
  ReasoningDetail,
  ToolCall,
} from "../../canonical/chat.ts";
import { jsonToolName } from "../anthropic/json-mode.ts";
import type { DecodeContext } from "../codec.ts";
import { toFinishReason } from "./finish-reason.ts";
import { responseId } from "./response-id.ts";
import { invalidUpstream } from "./upstream-errors.ts";
import { toUsage } from "./usage.ts";
import type { ConverseResponse, ResponseBlock } from "./wire.ts";

interface CollectedAnswer {
  text: string;
  reasoning: string;
  details: ReasoningDetail[];
  toolCalls: ToolCall[];
  /** The JSON-mode tool input as JSON text, when the model called that tool. */
  json: string | null;
}

export function decodeChatResponse(body: unknown, context: DecodeContext): ChatResponse {
  const response = readResponse(body);
  const answer = collectBlocks(response.output.message.content, context);

  const message: ChatMessage = { role: "assistant", content: contentOf(answer), refusal: null };
  if (answer.toolCalls.length > 0) message.tool_calls = answer.toolCalls;
  if (answer.details.length > 0) {
    message.reasoning_content = answer.reasoning;
    message.reasoning_details = answer.details;
  }

  return {
    id: responseId(),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: context.clientModel,
    choices: [{ index: 0, message, finish_reason: finishOf(answer, response.stopReason) }],
    usage: toUsage(response.usage),
  };
}

function collectBlocks(blocks: ResponseBlock[], context: DecodeContext): CollectedAnswer {
  const jsonTool = jsonToolName(context.request);
  const answer: CollectedAnswer = {
    text: "",
    reasoning: "",
    details: [],
    toolCalls: [],
    json: null,
  };

  for (const block of blocks) {
    if (typeof block.text === "string") {
      answer.text += block.text;
    } else if (block.reasoningContent !== undefined) {
      collectReasoning(block.reasoningContent, answer);
    } else if (block.toolUse !== undefined) {
      collectToolUse(block.toolUse, jsonTool, answer);
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

function collectToolUse(
  toolUse: NonNullable<ResponseBlock["toolUse"]>,
  jsonTool: string | null,
  answer: CollectedAnswer,
): void {
  const args = JSON.stringify(toolUse.input ?? {});
  const name = String(toolUse.name ?? "");
  if (name !== jsonTool) {
    const id = String(toolUse.toolUseId ?? "");
    answer.toolCalls.push({ id, type: "function", function: { name, arguments: args } });
  } else if (answer.json === null) {
    // Only the first JSON-mode call becomes content, because two JSON documents in a row
    // would not parse as one.
    answer.json = args;
  }
}

/** Picks the message content. In JSON mode it is the tool input and the text is dropped. */
function contentOf(answer: CollectedAnswer): string | null {
  if (answer.json !== null) return answer.json;
  if (answer.text !== "") return answer.text;
  return answer.toolCalls.length > 0 ? null : "";
}

function finishOf(answer: CollectedAnswer, stopReason: string | undefined): FinishReason {
  const reason = toFinishReason(stopReason);
  // A forced JSON tool ends with tool_use, but the client sees plain JSON content.
  if (reason === "tool_calls" && answer.toolCalls.length === 0) return "stop";
  return reason;
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
