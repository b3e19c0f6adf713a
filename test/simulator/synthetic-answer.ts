/**
 * The provider-neutral part of the default answer: from a conversation, decide whether the
 * simulated model calls a tool or replies with text, and what it says. The result is a pure
 * function of the request, so tests can predict it.
 */

import { exampleFromSchema, type JsonValue } from "./schema-example.ts";

export interface ToolSpec {
  name: string;
  /** JSON Schema of the tool's arguments. */
  schema: unknown;
}

export type ToolChoice =
  | { kind: "auto" }
  | { kind: "none" }
  | { kind: "required" }
  | { kind: "tool"; name: string };

export interface Conversation {
  /** Text of the last user turn, tool results included. */
  lastUserText: string;
  /** True when the last turn is a user prompt rather than tool results. */
  endsWithPrompt: boolean;
  tools: ToolSpec[];
  toolChoice: ToolChoice;
  /** Characters of prompt text (messages, system prompt, tool definitions). */
  inputChars: number;
  maxOutputTokens?: number;
}

export type Answer =
  | { kind: "text"; text: string; truncated: boolean }
  | { kind: "tool"; name: string; arguments: JsonValue };

/** The echoed prompt is cut to this many characters (Unicode code points). */
const ECHO_MAX_CHARS = 200;

/** Deltas of a streamed text carry this many code points each. */
const DELTA_CHARS = 8;

export function decideAnswer(conversation: Conversation): Answer {
  const tool = chooseTool(conversation);
  if (tool !== undefined) {
    return { kind: "tool", name: tool.name, arguments: exampleFromSchema(tool.schema) };
  }

  const prompt = Array.from(conversation.lastUserText.trim());
  const echoed = prompt.slice(0, ECHO_MAX_CHARS).join("");
  const text = `Echo: ${echoed}${prompt.length > ECHO_MAX_CHARS ? "…" : ""}`;
  return limitToMaxTokens(text, conversation.maxOutputTokens);
}

function chooseTool(conversation: Conversation): ToolSpec | undefined {
  const { tools, toolChoice } = conversation;
  if (!conversation.endsWithPrompt || tools.length === 0 || toolChoice.kind === "none") {
    return undefined;
  }
  if (toolChoice.kind === "tool") {
    return tools.find((tool) => tool.name === toolChoice.name) ?? tools[0];
  }
  return tools[0];
}

/** Real models stop at `max_tokens`; the simulator cuts its text at the same estimate. */
function limitToMaxTokens(text: string, maxOutputTokens: number | undefined): Answer {
  const chars = Array.from(text);
  if (maxOutputTokens === undefined || estimateTokens(chars.length) <= maxOutputTokens) {
    return { kind: "text", text, truncated: false };
  }
  return { kind: "text", text: chars.slice(0, maxOutputTokens * 4).join(""), truncated: true };
}

/** A rough token count: one token for every four characters, at least one. */
export function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

/** Splits text into stream deltas at code-point boundaries, never inside a character. */
export function splitDeltas(text: string, size = DELTA_CHARS): string[] {
  const chars = Array.from(text);
  const deltas: string[] = [];
  for (let start = 0; start < chars.length; start += size) {
    deltas.push(chars.slice(start, start + size).join(""));
  }
  return deltas;
}

/** Sums the characters of every string inside a JSON value, keys excluded. */
export function countTextChars(value: unknown): number {
  if (typeof value === "string") return value.length;
  if (Array.isArray(value)) {
    return value.reduce((sum: number, item) => sum + countTextChars(item), 0);
  }
  if (typeof value === "object" && value !== null) {
    return Object.values(value).reduce((sum: number, item) => sum + countTextChars(item), 0);
  }
  return 0;
}
