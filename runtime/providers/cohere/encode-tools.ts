/**
 * Tools, tool_choice and response_format on Cohere v2. Cohere's `tool_choice` accepts only
 * REQUIRED and NONE (leaving it out is OpenAI's "auto"), so a named tool choice is sent as
 * REQUIRED with the tool list narrowed to that one tool.
 */

import type { ChatRequest, FunctionTool } from "../../canonical/chat.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
import type { CohereChatRequest, CohereResponseFormat, CohereTool } from "./wire.ts";

type ToolFields = Pick<CohereChatRequest, "tools" | "tool_choice" | "strict_tools">;

export function encodeTools(request: ChatRequest): ToolFields {
  const tools = request.tools ?? [];
  const choice = request.tool_choice;
  if (tools.length === 0) return {};

  const fields: ToolFields = {};
  let selected = tools;
  if (choice === "required") fields.tool_choice = "REQUIRED";
  else if (choice === "none") fields.tool_choice = "NONE";
  else if (typeof choice === "object" && choice !== null) {
    selected = tools.filter((tool) => tool.function.name === choice.function?.name);
    if (selected.length === 0) {
      throw invalidRequest(
        `tool_choice names '${choice.function?.name}', which is not in 'tools'.`,
        "tool_choice",
      );
    }
    fields.tool_choice = "REQUIRED";
  }

  fields.tools = selected.map((tool, index) => encodeTool(tool, `tools[${index}]`));
  if (selected.some((tool) => tool.function.strict === true)) fields.strict_tools = true;
  return fields;
}

function encodeTool(tool: FunctionTool, param: string): CohereTool {
  if (tool.type !== "function" || typeof tool.function?.name !== "string") {
    throw unsupportedParameter(param, "only function tools with a name can be sent to Cohere.");
  }
  const encoded: CohereTool = {
    type: "function",
    function: {
      name: tool.function.name,
      // Cohere requires `parameters`; an OpenAI tool without them takes no arguments.
      parameters: tool.function.parameters ?? { type: "object", properties: {} },
    },
  };
  if (tool.function.description !== undefined) {
    encoded.function.description = tool.function.description;
  }
  return encoded;
}

/** Maps `response_format`; Cohere takes the bare JSON schema, without OpenAI's name wrapper. */
export function encodeResponseFormat(request: ChatRequest): CohereResponseFormat | undefined {
  const format = request.response_format;
  if (format === undefined || format === null || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  if (format.type === "json_schema") {
    const schema = format.json_schema?.schema;
    if (schema === undefined) return { type: "json_object" };
    return { type: "json_object", json_schema: schema };
  }
  const type = (format as { type?: unknown }).type;
  throw unsupportedParameter("response_format", `type '${String(type)}' is not known.`);
}
