/**
 * The assistant message of a non-streaming response, collected block by block (Anthropic,
 * Bedrock Converse). In JSON mode the first call of the gateway's JSON tool becomes the
 * content, and the text around it is dropped.
 */

import type { ChatMessage, ReasoningDetail, ToolCall } from "../../canonical/chat.ts";

export interface CollectedAnswer {
  text: string;
  reasoning: string;
  details: ReasoningDetail[];
  toolCalls: ToolCall[];
  /** The JSON-mode tool input as JSON text, when the model called that tool. */
  json: string | null;
}

export function emptyAnswer(): CollectedAnswer {
  return { text: "", reasoning: "", details: [], toolCalls: [], json: null };
}

/** Adds a tool call, or the JSON-mode tool's input when `name` is `jsonTool`. */
export function collectToolUse(
  answer: CollectedAnswer,
  jsonTool: string | null,
  call: { id: string; name: string; input: unknown },
): void {
  const args = JSON.stringify(call.input ?? {});
  if (call.name !== jsonTool) {
    answer.toolCalls.push({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: args },
    });
  } else if (answer.json === null) {
    // Only the first JSON-mode call becomes content, because two JSON documents in a row
    // would not parse as one.
    answer.json = args;
  }
}

/** Builds the assistant message, with reasoning only when the model sent some. */
export function answerMessage(answer: CollectedAnswer): ChatMessage {
  const message: ChatMessage = { role: "assistant", content: contentOf(answer), refusal: null };
  if (answer.toolCalls.length > 0) message.tool_calls = answer.toolCalls;
  if (answer.details.length > 0) {
    message.reasoning_content = answer.reasoning;
    message.reasoning_details = answer.details;
  }
  return message;
}

/** Picks the message content. In JSON mode it is the tool input and the text is dropped. */
function contentOf(answer: CollectedAnswer): string | null {
  if (answer.json !== null) return answer.json;
  if (answer.text !== "") return answer.text;
  return answer.toolCalls.length > 0 ? null : "";
}
