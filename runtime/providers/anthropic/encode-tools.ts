/** Translates `tools`, `tool_choice`, `parallel_tool_calls` and the JSON-mode tool. */

import type { ChatRequest, FunctionTool, ToolChoice } from "../../canonical/chat.ts";
import { jsonModeTool } from "./json-mode.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
import type { AnthropicTool, AnthropicToolChoice } from "./wire.ts";

export interface EncodedTools {
  tools?: AnthropicTool[];
  toolChoice?: AnthropicToolChoice;
  /** System instruction to call the JSON tool, for when `tool_choice` cannot force it. */
  instruction?: string;
}

/**
 * `thinkingOn` matters because Anthropic accepts only tool_choice auto or none while thinking
 * is enabled; JSON mode then relies on an instruction instead of a forced tool.
 */
export function encodeTools(request: ChatRequest, thinkingOn: boolean): EncodedTools {
  const userTools = (request.tools ?? []).map((tool, index) => encodeTool(tool, index));
  const json = jsonModeTool(request);

  if (json === null) {
    if (userTools.length === 0) return {};
    const choice = encodeChoice(request.tool_choice, request.parallel_tool_calls);
    return choice === undefined ? { tools: userTools } : { tools: userTools, toolChoice: choice };
  }

  if (userTools.some((tool) => tool.name === json.tool.name)) {
    throw invalidRequest(
      `response_format.json_schema.name '${json.tool.name}' is also the name of a tool; ` +
        "rename one of them.",
      "response_format.json_schema.name",
    );
  }

  const tools = [...userTools, json.tool];
  const userChoice = request.tool_choice;
  let choice: Exclude<AnthropicToolChoice, { type: "none" }>;
  if (thinkingOn) {
    choice = { type: "auto" };
  } else if (userTools.length === 0 || userChoice === "none") {
    choice = { type: "tool", name: json.tool.name };
  } else if (typeof userChoice === "object") {
    choice = { type: "tool", name: userChoice.function.name };
  } else {
    // The model may call the client's tools or the JSON tool, but cannot reply in plain text.
    choice = { type: "any" };
  }

  if (request.parallel_tool_calls === false) choice.disable_parallel_tool_use = true;
  const forced = choice.type === "tool" && choice.name === json.tool.name;
  if (forced) return { tools, toolChoice: choice };
  return { tools, toolChoice: choice, instruction: json.instruction };
}

function encodeTool(tool: FunctionTool, index: number): AnthropicTool {
  const param = `tools[${index}]`;
  if (tool.type !== "function" || typeof tool.function?.name !== "string") {
    throw unsupportedParameter(
      `${param}.type`,
      `only function tools can be sent, not '${String(tool.type)}'.`,
    );
  }

  const encoded: AnthropicTool = {
    name: tool.function.name,
    // Anthropic requires an object schema; OpenAI lets a tool without parameters omit it.
    input_schema: tool.function.parameters ?? { type: "object", properties: {} },
  };
  if (tool.function.description !== undefined) encoded.description = tool.function.description;
  if (tool.function.strict === true) encoded.strict = true;
  return encoded;
}

function encodeChoice(
  choice: ToolChoice | undefined,
  parallel: boolean | undefined,
): AnthropicToolChoice | undefined {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};

  if (choice === undefined) return parallel === false ? { type: "auto", ...disable } : undefined;
  if (choice === "none") return { type: "none" };
  if (choice === "auto") return { type: "auto", ...disable };
  if (choice === "required") return { type: "any", ...disable };
  if (typeof choice === "object" && choice.type === "function") {
    return { type: "tool", name: choice.function.name, ...disable };
  }
  throw invalidRequest(`tool_choice '${JSON.stringify(choice)}' is not valid.`, "tool_choice");
}
