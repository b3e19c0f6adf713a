/** Reads a Cohere v2 chat body into the provider-neutral conversation. */

import { isRecord } from "./incoming-request.ts";
import {
  countTextChars,
  type Conversation,
  type ToolChoice,
  type ToolSpec,
} from "./synthetic-answer.ts";

export function cohereConversation(body: Record<string, unknown>): Conversation {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const last = messages.at(-1);
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord).flatMap(toolSpec) : [];

  return {
    lastUserText: last?.role === "user" || last?.role === "tool" ? textOf(last.content) : "",
    endsWithPrompt: last?.role === "user",
    tools,
    toolChoice: toolChoice(body.tool_choice),
    inputChars:
      countTextChars(messages) + (body.tools === undefined ? 0 : JSON.stringify(body.tools).length),
    maxOutputTokens: typeof body.max_tokens === "number" ? body.max_tokens : undefined,
  };
}

function toolSpec(tool: Record<string, unknown>): ToolSpec[] {
  const fn = tool.function;
  if (!isRecord(fn) || typeof fn.name !== "string") return [];
  return [{ name: fn.name, schema: fn.parameters ?? { type: "object" } }];
}

/** Cohere's `tool_choice` is REQUIRED or NONE; without it the model decides. */
function toolChoice(choice: unknown): ToolChoice {
  if (choice === "NONE") return { kind: "none" };
  if (choice === "REQUIRED") return { kind: "required" };
  return { kind: "auto" };
}

/** Content is a string or a list of parts; tool results may also be `document` parts. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const texts = content.filter(isRecord).map((part) => {
    if (typeof part.text === "string") return part.text;
    return part.document === undefined ? "" : JSON.stringify(part.document);
  });
  return texts.filter((text) => text !== "").join("\n");
}
