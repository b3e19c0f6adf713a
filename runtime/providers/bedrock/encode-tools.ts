/**
 * Translates `tools`, `tool_choice` and JSON output into Bedrock's `toolConfig`. Converse has
 * no JSON mode, so `response_format` (json_object, json_schema) becomes the forced tool of the
 * Anthropic codec (see ../anthropic/json-mode.ts). The decoders turn that tool's input back
 * into message content.
 */

import type { ChatRequest, FunctionTool, ToolChoice } from "../../canonical/chat.ts";
import { jsonModeTool } from "../anthropic/json-mode.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
import type { BedrockToolChoice, ToolConfig, ToolSpec } from "./wire.ts";

export interface EncodedTools {
  toolConfig?: ToolConfig;
  /** System instruction to call the JSON tool, for when `tool_choice` cannot force it. */
  instruction?: string;
}

/**
 * `thinkingOn` matters because Anthropic models accept only an `auto` tool choice while
 * thinking is enabled; JSON mode then relies on an instruction instead of a forced tool.
 * `tool_choice: "none"` drops the tools, because Converse has no "none" choice.
 * NOTE: Bedrock requires `toolConfig` when the history contains tool blocks, so a request
 * with tool_choice "none" after tool calls is rejected upstream with a ValidationException.
 */
export function encodeTools(request: ChatRequest, thinkingOn: boolean): EncodedTools {
  const userTools = (request.tools ?? []).map((tool, index) => encodeTool(tool, index));
  const json = jsonModeTool(request);

  if (json === null) {
    if (userTools.length === 0 || request.tool_choice === "none") return {};
    const choice = encodeChoice(request.tool_choice);
    if (choice === undefined) return { toolConfig: { tools: userTools } };
    return { toolConfig: { tools: userTools, toolChoice: choice } };
  }

  const jsonName = json.tool.name;
  if (userTools.some((tool) => tool.toolSpec.name === jsonName)) {
    throw invalidRequest(
      `response_format.json_schema.name '${jsonName}' is also the name of a tool; ` +
        "rename one of them.",
      "response_format.json_schema.name",
    );
  }

  const jsonSpec: ToolSpec = {
    toolSpec: {
      name: jsonName,
      description: json.tool.description,
      inputSchema: { json: json.tool.input_schema },
    },
  };
  const offered = request.tool_choice === "none" ? [] : userTools;
  const tools = [...offered, jsonSpec];
  const userChoice = request.tool_choice;

  let choice: BedrockToolChoice;
  if (thinkingOn) choice = { auto: {} };
  else if (offered.length === 0) choice = { tool: { name: jsonName } };
  else if (typeof userChoice === "object") choice = { tool: { name: userChoice.function.name } };
  // The model may call the client's tools or the JSON tool, but cannot reply in plain text.
  else choice = { any: {} };

  const forced = "tool" in choice && choice.tool.name === jsonName;
  const toolConfig = { tools, toolChoice: choice };
  return forced ? { toolConfig } : { toolConfig, instruction: json.instruction };
}

function encodeTool(tool: FunctionTool, index: number): ToolSpec {
  const param = `tools[${index}]`;
  if (tool.type !== "function" || typeof tool.function?.name !== "string") {
    throw unsupportedParameter(
      `${param}.type`,
      `only function tools can be sent, not '${String(tool.type)}'.`,
    );
  }

  // Bedrock requires an input schema; OpenAI lets a tool without parameters omit it.
  const schema = tool.function.parameters ?? { type: "object", properties: {} };
  const spec: ToolSpec["toolSpec"] = { name: tool.function.name, inputSchema: { json: schema } };
  if (tool.function.description !== undefined) spec.description = tool.function.description;
  return { toolSpec: spec };
}

function encodeChoice(choice: ToolChoice | undefined): BedrockToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (choice === "auto") return { auto: {} };
  if (choice === "required") return { any: {} };
  if (typeof choice === "object" && choice.type === "function") {
    return { tool: { name: choice.function.name } };
  }
  throw invalidRequest(`tool_choice '${JSON.stringify(choice)}' is not valid.`, "tool_choice");
}
