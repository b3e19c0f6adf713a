import { createHash } from "node:crypto";
import type { ChatMessage, ChatRequest } from "../canonical/chat.ts";
import { type CacheTarget, chatFingerprint } from "./chat-cache-key.ts";

/** The text the semantic step embeds, and the parts that must match exactly for a hit. */
export interface SemanticPrompt {
  /** The system prompt and the last user message, as one text; this is what is embedded. */
  text: string;
  /**
   * SHA-256 (hex) of every answer-shaping field except the embedded text: target, model,
   * sampling parameters, tools, response format, the conversation before the last user
   * message, and the role, position and `name` of every embedded message. Two prompts are
   * compared only when their shapes are equal.
   */
  shape: string;
  /** SHA-256 (hex) of `text`, the unit that a poison report blocks. */
  fingerprint: string;
}

/**
 * Splits a request into its embedded prompt and its shape. The system prompt and the last
 * user message are embedded because together they state the task, while earlier turns go
 * into the exact shape, so a hit never crosses conversations with a different history. The
 * embedded messages keep their role, position and `name` in the shape too.
 * Returns null when the last message is not a user message or a message carries non-text
 * content (an image cannot be compared by its text).
 */
export function semanticPrompt(request: ChatRequest, target: CacheTarget): SemanticPrompt | null {
  const split = splitPrompt(request.messages);
  if (split === null) return null;
  const shape = chatFingerprint({ ...request, messages: split.shapeMessages }, target);
  return { text: split.text, shape, fingerprint: promptFingerprintOf(split.text) };
}

/** Returns the embedded text of a conversation, or null when it has none (see above). */
export function promptTextOf(messages: readonly ChatMessage[]): string | null {
  return splitPrompt(messages)?.text ?? null;
}

/** SHA-256 (hex) of a prompt text. */
export function promptFingerprintOf(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function splitPrompt(
  messages: readonly ChatMessage[],
): { text: string; shapeMessages: ChatMessage[] } | null {
  const last = messages.at(-1);
  if (last === undefined || last.role !== "user") return null;

  // Embedded messages stay in the shape without their text, so their role, position and
  // `name` must still match exactly: a hit must not cross from one speaker to another.
  const system: string[] = [];
  const shapeMessages: ChatMessage[] = [];
  for (const message of messages.slice(0, -1)) {
    if (message.role === "system" || message.role === "developer") {
      const text = textOf(message);
      if (text === null) return null;
      system.push(text);
      shapeMessages.push(withoutContent(message));
    } else {
      shapeMessages.push(message);
    }
  }
  const user = textOf(last);
  if (user === null) return null;
  shapeMessages.push(withoutContent(last));

  const text = system.length === 0 ? user : `${system.join("\n")}\n\n${user}`;
  return { text, shapeMessages };
}

/** Returns the message with its content dropped, since the embedding compares that part. */
function withoutContent(message: ChatMessage): ChatMessage {
  const shaped = { ...message };
  delete shaped.content;
  return shaped;
}

/** Returns the message's text, or null when it has a part other than text. */
function textOf(message: ChatMessage): string | null {
  const content = message.content;
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  const texts: string[] = [];
  for (const part of content) {
    if (part.type !== "text" || typeof part.text !== "string") return null;
    texts.push(part.text);
  }
  return texts.join("\n");
}
