/** Decodes a non-streaming Anthropic message into a `chat.completion`. */

import type {
  ChatMessage,
  ChatResponse,
  FinishReason,
  ReasoningDetail,
  ToolCall,
} from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { toFinishReason } from "./finish-reason.ts";
import { jsonToolName } from "./json-mode.ts";
import { planStopSequences, StopScanner } from "./stop-sequences.ts";
import { invalidUpstream } from "./upstream-errors.ts";
import { toUsage } from "./usage.ts";
import type { AnthropicResponse, ResponseBlock, ToolUseBlock } from "./wire.ts";

interface CollectedAnswer {
  text: string;
  reasoning: string;
  details: ReasoningDetail[];
  toolCalls: ToolCall[];
  /** The JSON-mode tool input as JSON text, when the model called that tool. */
  json: string | null;
  /** Whether a stop sequence enforced by the gateway cut the text. */
  stopped: boolean;
}

export function decodeChatResponse(body: unknown, context: DecodeContext): ChatResponse {
  const message = readMessage(body);
  const answer = collectBlocks(message.content, context);

  const chatMessage: ChatMessage = {
    role: "assistant",
    content: contentOf(answer),
    refusal: null,
  };
  if (answer.toolCalls.length > 0) chatMessage.tool_calls = answer.toolCalls;
  if (answer.details.length > 0) {
    chatMessage.reasoning_content = answer.reasoning;
    chatMessage.reasoning_details = answer.details;
  }

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
function collectBlocks(blocks: ResponseBlock[], context: DecodeContext): CollectedAnswer {
  const jsonTool = jsonToolName(context.request);
  const scanner = new StopScanner(planStopSequences(context.request.stop).local);
  const answer: CollectedAnswer = {
    text: "",
    reasoning: "",
    details: [],
    toolCalls: [],
    json: null,
    stopped: false,
  };

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
      collectToolUse(block as ToolUseBlock, jsonTool, answer);
    }
  }

  answer.text += scanner.flush();
  answer.stopped = scanner.stopped;
  return answer;
}

function collectToolUse(block: ToolUseBlock, jsonTool: string | null, answer: CollectedAnswer) {
  const args = JSON.stringify(block.input ?? {});
  if (block.name !== jsonTool) {
    answer.toolCalls.push({
      id: block.id,
      type: "function",
      function: { name: block.name, arguments: args },
    });
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

function finishOf(answer: CollectedAnswer, stopReason: string | null): FinishReason {
  if (answer.stopped) return "stop";

  const reason = toFinishReason(stopReason);
  if (reason === "tool_calls" && answer.toolCalls.length === 0) return "stop";
  return reason;
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
