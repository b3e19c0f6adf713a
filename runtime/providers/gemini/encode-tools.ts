/** Translates OpenAI `tools` and `tool_choice` into Gemini function declarations and config. */

import type { ChatRequest } from "../../canonical/chat.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
import type { GeminiFunctionDeclaration, GeminiToolConfig } from "./wire.ts";

/**
 * JSON Schema keywords that Gemini's `parameters` (an OpenAPI 3 schema subset) refuses with a
 * 400. They only constrain validation, so dropping them keeps the shape of the arguments.
 */
const REJECTED_SCHEMA_KEYS = new Set([
  "$schema",
  "$id",
  "$comment",
  "additionalProperties",
  "strict",
  "examples",
  "default",
  "const",
  "patternProperties",
  "unevaluatedProperties",
  "propertyNames",
]);

export interface EncodedTools {
  tools?: { functionDeclarations: GeminiFunctionDeclaration[] }[];
  toolConfig?: GeminiToolConfig;
}

export function encodeTools(request: ChatRequest): EncodedTools {
  const declarations = (request.tools ?? []).map((tool, index) => {
    if (tool?.type !== "function" || typeof tool.function?.name !== "string") {
      throw unsupportedParameter(`tools[${index}].type`, "only function tools are supported.");
    }
    const declaration: GeminiFunctionDeclaration = { name: tool.function.name };
    if (typeof tool.function.description === "string") {
      declaration.description = tool.function.description;
    }
    const parameters = tool.function.parameters;
    if (parameters !== undefined && !isEmptyObjectSchema(parameters)) {
      declaration.parameters = cleanSchema(parameters) as Record<string, unknown>;
    }
    return declaration;
  });

  const result: EncodedTools = {};
  if (declarations.length > 0) result.tools = [{ functionDeclarations: declarations }];
  const toolConfig = encodeToolChoice(request, declarations.length);
  if (toolConfig !== undefined) result.toolConfig = toolConfig;
  return result;
}

function encodeToolChoice(request: ChatRequest, toolCount: number): GeminiToolConfig | undefined {
  const choice = request.tool_choice;
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto") return { functionCallingConfig: { mode: "AUTO" } };
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" } };
  if (toolCount === 0) {
    throw invalidRequest("tool_choice requires tools.", "tool_choice");
  }
  if (choice === "required") return { functionCallingConfig: { mode: "ANY" } };
  if (typeof choice === "object" && typeof choice.function?.name === "string") {
    const names = [choice.function.name];
    return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: names } };
  }
  throw invalidRequest("tool_choice is not valid.", "tool_choice");
}

/** Gemini refuses an object schema with no properties; a function without arguments omits it. */
function isEmptyObjectSchema(schema: Record<string, unknown>): boolean {
  const properties = schema.properties;
  const noProperties =
    properties === undefined ||
    (typeof properties === "object" && properties !== null && Object.keys(properties).length === 0);
  return schema.type === "object" && noProperties;
}

/** Copies a schema without the rejected keywords, at every depth. */
export function cleanSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cleanSchema);
  if (typeof value !== "object" || value === null) return value;

  const cleaned: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (REJECTED_SCHEMA_KEYS.has(key)) continue;
    // Inside `properties` the keys are property names, which may be any word.
    cleaned[key] = key === "properties" ? cleanProperties(inner) : cleanSchema(inner);
  }
  return cleaned;
}

function cleanProperties(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const cleaned: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(value)) cleaned[name] = cleanSchema(schema);
  return cleaned;
}
