/** Decodes a non-streaming Anthropic message into a `chat.completion`. */

import type { ChatResponse, FinishReason } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import {
  answerMessage,
  type CollectedAnswer,
  collectToolUse,
  emptyAnswer,
} from "../shared/collected-answer.ts";
import { finishForToolCount } from "../shared/tool-finish.ts";
import { toFinishReason } from "./finish-reason.ts";
import { jsonToolName } from "./json-mode.ts";
import { planStopSequences, StopScanner } from "./stop-sequences.ts";
import { invalidUpstream } from "./upstream-errors.ts";
import { toUsage } from "./usage.ts";
import type { AnthropicResponse, ResponseBlock, ToolUseBlock } from "./wire.ts";

interface StoppableAnswer extends CollectedAnswer {
  /** Whether a stop sequence enforced by the gateway cut the text. */
  stopped: boolean;
}

export function decodeChatResponse(body: unknown, context: DecodeContext): ChatResponse {
  const message = readMessage(body);
  const answer = collectBlocks(message.content, context);

  const chatMessage = answerMessage(answer);

  return {
    id: message.id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: context.clientModel,
    choices: [
      { index: 0, message: chatMessage, finish_reason: finishOf(answer, message.stop_reason) },
    ],
    usage: toUsage(message.usage),
  };
}

/**
 * Walks the content blocks in order. Server tool blocks (server_tool_use and their results)
 * are skipped: Anthropic ran those tools itself, so the client has nothing to execute.
 */
function collectBlocks(blocks: ResponseBlock[], context: DecodeContext): StoppableAnswer {
  const jsonTool = jsonToolName(context.request);
  const scanner = new StopScanner(planStopSequences(context.request.stop).local);
  const answer: StoppableAnswer = { ...emptyAnswer(), stopped: false };

  for (const block of blocks) {
    if (scanner.stopped) break;
    if (block.type === "text" && typeof block.text === "string") {
      answer.text += scanner.push(block.text);
    } else if (block.type === "thinking") {
      const thinking = typeof block.thinking === "string" ? block.thinking : "";
      const signature = typeof block.signature === "string" ? block.signature : "";
      answer.reasoning += thinking;
      answer.details.push({ type: "thinking", thinking, signature });
    } else if (block.type === "redacted_thinking" && typeof block.data === "string") {
      answer.details.push({ type: "redacted_thinking", data: block.data });
    } else if (block.type === "tool_use") {
      collectToolUse(answer, jsonTool, block as ToolUseBlock);
    }
  }

  answer.text += scanner.flush();
  answer.stopped = scanner.stopped;
  return answer;
}

function finishOf(answer: StoppableAnswer, stopReason: string | null): FinishReason {
  if (answer.stopped) return "stop";
  return finishForToolCount(toFinishReason(stopReason), answer.toolCalls.length);
}

function readMessage(body: unknown): AnthropicResponse {
  if (typeof body !== "object" || body === null) {
    throw invalidUpstream("the body is not an object.");
  }

  const message = body as Partial<AnthropicResponse>;
  if (!Array.isArray(message.content)) throw invalidUpstream("the message has no content array.");
  if (typeof message.id !== "string") throw invalidUpstream("the message has no id.");
  return message as AnthropicResponse;
}
