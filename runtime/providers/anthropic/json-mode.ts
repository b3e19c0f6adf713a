/**
 * JSON output (`response_format` json_object and json_schema) on Anthropic. The Messages API
 * (version 2023-06-01, without betas) has no JSON mode, so the encoder adds one tool whose
 * `input_schema` is the requested schema and asks the model to call it. The decoders turn that
 * tool call back into message `content` with finish_reason "stop", so the client sees an
 * ordinary JSON answer. Encoder and decoders derive the tool from the same request, so they
 * always agree on its name.
 */

import type { ChatRequest } from "../../canonical/chat.ts";
import type { AnthropicTool } from "./wire.ts";

/** Tool name for `json_object`; json_schema uses the schema's own name. */
export const JSON_OBJECT_TOOL_NAME = "json_response";

export interface JsonModeTool {
  tool: AnthropicTool;
  /** Instruction added to `system` for the cases where the tool cannot be forced. */
  instruction: string;
}

/** Returns the tool that carries JSON output for this request, or null without JSON mode. */
export function jsonModeTool(request: ChatRequest): JsonModeTool | null {
  const format = request.response_format;
  if (format === undefined || format === null) return null;

  if (format.type === "json_object") {
    return {
      tool: {
        name: JSON_OBJECT_TOOL_NAME,
        description: "Return the final answer as a JSON object.",
        input_schema: { type: "object", additionalProperties: true },
      },
      instruction: jsonInstruction(JSON_OBJECT_TOOL_NAME),
    };
  }

  if (format.type === "json_schema") {
    const spec = format.json_schema;
    const tool: AnthropicTool = {
      name: spec.name,
      description: spec.description ?? "Return the final answer as JSON that matches this schema.",
      input_schema: spec.schema ?? { type: "object", additionalProperties: true },
    };
    if (spec.strict === true) tool.strict = true;
    return { tool, instruction: jsonInstruction(spec.name) };
  }

  return null;
}

/** Returns the JSON tool's name for a request, or null when the request asked for no JSON. */
export function jsonToolName(request: ChatRequest): string | null {
  return jsonModeTool(request)?.tool.name ?? null;
}

function jsonInstruction(toolName: string): string {
  return (
    `Give your final answer only by calling the tool \`${toolName}\`, ` +
    "with the answer as its input."
  );
}
