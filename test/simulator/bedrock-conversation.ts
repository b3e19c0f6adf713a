/** Reads a Bedrock Converse body into the provider-neutral conversation. */

import { isRecord } from "./incoming-request.ts";
import {
  countTextChars,
  type Conversation,
  type ToolChoice,
  type ToolSpec,
} from "./synthetic-answer.ts";

export function bedrockConversation(body: Record<string, unknown>): Conversation {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const last = messages.at(-1);
  const blocks = Array.isArray(last?.content) ? last.content.filter(isRecord) : [];
  const fromUser = last?.role === "user";
  const answersTools = blocks.some((block) => block.toolResult !== undefined);
  const config = isRecord(body.inferenceConfig) ? body.inferenceConfig : {};
  const toolConfig = isRecord(body.toolConfig) ? body.toolConfig : {};

  return {
    lastUserText: fromUser ? blocksText(blocks) : "",
    endsWithPrompt: fromUser && !answersTools,
    tools: toolSpecs(toolConfig.tools),
    toolChoice: toolChoice(toolConfig.toolChoice),
    inputChars:
      countTextChars(messages) +
      countTextChars(body.system ?? null) +
      (body.toolConfig === undefined ? 0 : JSON.stringify(body.toolConfig).length),
    maxOutputTokens: typeof config.maxTokens === "number" ? config.maxTokens : undefined,
  };
}

/** Text blocks, with tool results as their text or JSON, joined by new lines. */
function blocksText(blocks: Record<string, unknown>[]): string {
  const texts = blocks.map((block) => {
    if (typeof block.text === "string") return block.text;
    if (!isRecord(block.toolResult) || !Array.isArray(block.toolResult.content)) return "";
    return block.toolResult.content.filter(isRecord).map((part) => {
      return typeof part.text === "string" ? part.text : JSON.stringify(part.json ?? "");
    }).join("\n");
  });
  return texts.filter((text) => text !== "").join("\n");
}

function toolSpecs(tools: unknown): ToolSpec[] {
  if (!Array.isArray(tools)) return [];
  return tools.filter(isRecord).flatMap((tool) => {
    const spec = tool.toolSpec;
    if (!isRecord(spec) || typeof spec.name !== "string") return [];
    const schema = isRecord(spec.inputSchema) ? spec.inputSchema.json : {};
    return [{ name: spec.name, schema }];
  });
}

/** `toolChoice`: `{auto: {}}` (the default), `{any: {}}` or `{tool: {name}}`. */
function toolChoice(choice: unknown): ToolChoice {
  if (!isRecord(choice)) return { kind: "auto" };
  if (isRecord(choice.tool) && typeof choice.tool.name === "string") {
    return { kind: "tool", name: choice.tool.name };
  }
  return choice.any !== undefined ? { kind: "required" } : { kind: "auto" };
}
