/** Reads a Gemini `generateContent` body into the provider-neutral conversation. */

import { isRecord } from "./incoming-request.ts";
import {
  countTextChars,
  type Conversation,
  type ToolChoice,
  type ToolSpec,
} from "./synthetic-answer.ts";

export function geminiConversation(body: Record<string, unknown>): Conversation {
  const contents = Array.isArray(body.contents) ? body.contents.filter(isRecord) : [];
  const last = contents.at(-1);
  const parts = Array.isArray(last?.parts) ? last.parts.filter(isRecord) : [];
  const fromUser = last !== undefined && (last.role === undefined || last.role === "user");
  const answersTools = parts.some((part) => part.functionResponse !== undefined);
  const config = isRecord(body.generationConfig) ? body.generationConfig : {};
  const system = body.systemInstruction;

  return {
    lastUserText: fromUser ? partsText(parts) : "",
    endsWithPrompt: fromUser && !answersTools,
    tools: toolSpecs(body.tools),
    toolChoice: toolChoice(body.toolConfig),
    inputChars:
      countTextChars(contents) +
      countTextChars(system ?? null) +
      (body.tools === undefined ? 0 : JSON.stringify(body.tools).length),
    maxOutputTokens:
      typeof config.maxOutputTokens === "number" ? config.maxOutputTokens : undefined,
  };
}

/** Text parts, with function results as their JSON, joined by new lines. */
function partsText(parts: Record<string, unknown>[]): string {
  const texts = parts.map((part) => {
    if (typeof part.text === "string") return part.text;
    if (isRecord(part.functionResponse)) return JSON.stringify(part.functionResponse.response);
    return "";
  });
  return texts.filter((text) => text !== "").join("\n");
}

function toolSpecs(tools: unknown): ToolSpec[] {
  if (!Array.isArray(tools)) return [];
  const declarations = tools.filter(isRecord).flatMap((tool) => {
    return Array.isArray(tool.functionDeclarations) ? tool.functionDeclarations : [];
  });
  return declarations.filter(isRecord).flatMap((declaration) => {
    if (typeof declaration.name !== "string") return [];
    // Google takes the schema as OpenAPI `parameters` or as JSON Schema `parametersJsonSchema`.
    const schema = declaration.parameters ?? declaration.parametersJsonSchema ?? {};
    return [{ name: declaration.name, schema }];
  });
}

/** `functionCallingConfig.mode`: NONE, ANY (a call is required) or AUTO, the default. */
function toolChoice(toolConfig: unknown): ToolChoice {
  const config = isRecord(toolConfig) ? toolConfig.functionCallingConfig : undefined;
  if (!isRecord(config)) return { kind: "auto" };
  if (config.mode === "NONE") return { kind: "none" };
  if (config.mode !== "ANY") return { kind: "auto" };

  const allowed = config.allowedFunctionNames;
  if (Array.isArray(allowed) && allowed.length === 1 && typeof allowed[0] === "string") {
    return { kind: "tool", name: allowed[0] };
  }
  return { kind: "required" };
}
