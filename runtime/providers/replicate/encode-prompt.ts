/**
 * Flattens chat messages into the `prompt` and `system_prompt` inputs of Replicate's LLM
 * models, which take text, not a message list:
 *
 * - `system` and `developer` messages become `system_prompt`, joined by a blank line;
 * - a conversation of one user message becomes `prompt` as it is;
 * - a longer conversation becomes a transcript, one `User: …` or `Assistant: …` turn per
 *   message, separated by blank lines, in the order sent. The model's own prompt template
 *   wraps the whole transcript.
 */

import type { ChatMessage } from "../../canonical/chat.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";

export interface FlatPrompt {
  prompt: string;
  systemPrompt?: string;
}

const SPEAKER: Partial<Record<ChatMessage["role"], string>> = {
  user: "User",
  assistant: "Assistant",
};

export function flattenMessages(messages: ChatMessage[]): FlatPrompt {
  const system: string[] = [];
  const turns: { speaker: string; text: string }[] = [];

  messages.forEach((message, index) => {
    const text = messageText(message, index);
    if (message.role === "system" || message.role === "developer") {
      system.push(text);
      return;
    }
    const speaker = SPEAKER[message.role];
    if (speaker === undefined || message.tool_calls !== undefined) {
      throw unsupportedParameter(
        `messages[${index}]`,
        "Replicate's LLM inputs carry no tool calls or tool results; send text turns only.",
      );
    }
    turns.push({ speaker, text });
  });

  if (turns.length === 0) {
    throw invalidRequest("messages must contain at least one user or assistant message.",
      "messages");
  }

  const only = turns.length === 1 && turns[0]!.speaker === "User" ? turns[0]!.text : null;
  const prompt = only ?? turns.map((turn) => `${turn.speaker}: ${turn.text}`).join("\n\n");
  return system.length === 0 ? { prompt } : { prompt, systemPrompt: system.join("\n\n") };
}

/** Returns the text of a message; images and other non-text parts are rejected. */
function messageText(message: ChatMessage, index: number): string {
  const content = message.content;
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;

  return content
    .map((part, partIndex) => {
      if (part.type === "text" && typeof part.text === "string") return part.text;
      throw unsupportedParameter(
        `messages[${index}].content[${partIndex}]`,
        `content parts of type '${part.type}' are not mapped to Replicate inputs; send text.`,
      );
    })
    .join("");
}
