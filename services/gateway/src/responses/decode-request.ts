import { MAX_OUTPUT_TOKENS } from "../../../../runtime/canonical/limits.ts";
import type {
  ChatMessage,
  ChatRequest,
  FunctionTool,
  ResponseFormat,
  ToolChoice,
} from "../../../../runtime/canonical/chat.ts";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import { truncateInput } from "../../../../runtime/errors/truncate-input.ts";
import { isRecord } from "../../../../runtime/providers/openai/is-record.ts";
import type { ResponsesBody } from "../routes/responses-body.ts";
import { decodeInput } from "./decode-input.ts";
import { invalidParameter, unsupportedParameter } from "./request-errors.ts";

/**
 * Responses parameters that do not change what a chat provider is asked: they steer OpenAI's
 * storage, caching, billing or stream encoding, which the translated request does not use.
 */
const IGNORED = new Set([
  "store", "include", "stream_options", "service_tier", "prompt_cache_key",
  "prompt_cache_retention", "safety_identifier", "truncation",
]);

/** Parameters rejected with the reason, because ignoring them would change the output. */
const REJECTED: Record<string, string> = {
  previous_response_id: "Nexus stores no responses; send the earlier turns in 'input'.",
  conversation: "Nexus stores no conversations; send the earlier turns in 'input'.",
  prompt: "stored prompt templates live in OpenAI's prompt store, which only OpenAI reads.",
  background: "background responses need a response store, which Nexus does not keep.",
  max_tool_calls: "only OpenAI's built-in tools count toward it.",
  top_logprobs: "log probabilities are not translated for this model.",
};

const MAPPED = new Set([
  "model", "input", "instructions", "stream", "tools", "tool_choice", "text", "reasoning",
  "max_output_tokens", "temperature", "top_p", "parallel_tool_calls", "metadata", "user",
]);

const EFFORTS = new Set(["minimal", "low", "medium", "high"]);

/**
 * Translates a Responses request into the canonical chat request for a provider that does not
 * serve the Responses API. Throws a 400 naming the parameter for one it cannot honour.
 */
export function toChatRequest(body: ResponsesBody): ChatRequest {
  checkParameters(body);
  const messages: ChatMessage[] = [];
  if (body.instructions !== undefined && body.instructions !== null) {
    if (typeof body.instructions !== "string") {
      throw invalidParameter("instructions", "expected a string.");
    }
    messages.push({ role: "system", content: body.instructions });
  }
  messages.push(...decodeInput(body.input));

  const request: ChatRequest = { model: body.model, messages, stream: body.stream === true };
  copyNumber(body, "max_output_tokens", request, "max_completion_tokens");
  copyNumber(body, "temperature", request, "temperature");
  copyNumber(body, "top_p", request, "top_p");
  if (typeof body.parallel_tool_calls === "boolean") {
    request.parallel_tool_calls = body.parallel_tool_calls;
  }
  if (isRecord(body.metadata)) request.metadata = body.metadata as Record<string, string>;
  if (typeof body.user === "string") request.user = body.user;

  if (body.tools !== undefined) request.tools = decodeTools(body.tools);
  if (body.tool_choice !== undefined) request.tool_choice = decodeToolChoice(body.tool_choice);
  const format = decodeTextFormat(body.text);
  if (format !== undefined) request.response_format = format;
  const effort = decodeEffort(body.reasoning);
  if (effort !== undefined) request.reasoning_effort = effort;
  return request;
}

function checkParameters(body: ResponsesBody): void {
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined || value === null || MAPPED.has(name) || IGNORED.has(name)) continue;
    const reason = REJECTED[name];
    if (reason !== undefined) {
      if (name === "background" && value === false) continue;
      throw unsupportedParameter(name, reason);
    }
    const quoted = truncateInput(name);
    throw new NexusError("unknown_parameter", `Unrecognized request argument supplied: ${quoted}`, {
      status: 400,
      type: "invalid_request_error",
      param: name,
    });
  }
}

function copyNumber(
  body: ResponsesBody,
  from: string,
  request: ChatRequest,
  to: "max_completion_tokens" | "temperature" | "top_p",
): void {
  const value = body[from];
  if (value === undefined || value === null) return;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw invalidParameter(from, "expected a number.");
  }
  const tokens = to === "max_completion_tokens";
  if (tokens && (!Number.isInteger(value) || value < 1 || value > MAX_OUTPUT_TOKENS)) {
    throw invalidParameter(from, `expected a whole number from 1 to ${MAX_OUTPUT_TOKENS}.`);
  }
  request[to] = value;
}

function decodeTools(tools: unknown): FunctionTool[] {
  if (!Array.isArray(tools)) throw invalidParameter("tools", "expected an array.");
  return tools.map((tool, index) => {
    const param = `tools[${index}]`;
    if (!isRecord(tool)) throw invalidParameter(param, "each tool must be an object.");
    if (tool.type !== "function") {
      throw unsupportedParameter(`${param}.type`,
        `the built-in tool '${String(tool.type)}' runs only on OpenAI; ` +
          "this model accepts function tools.");
    }
    if (typeof tool.name !== "string" || tool.name === "") {
      throw invalidParameter(`${param}.name`, "a function tool needs a name.");
    }
    const fn: FunctionTool["function"] = { name: tool.name };
    if (typeof tool.description === "string") fn.description = tool.description;
    if (isRecord(tool.parameters)) fn.parameters = tool.parameters;
    if (typeof tool.strict === "boolean") fn.strict = tool.strict;
    return { type: "function", function: fn };
  });
}

function decodeToolChoice(choice: unknown): ToolChoice {
  if (choice === "none" || choice === "auto" || choice === "required") return choice;
  if (isRecord(choice) && choice.type === "function" && typeof choice.name === "string") {
    return { type: "function", function: { name: choice.name } };
  }
  throw unsupportedParameter("tool_choice",
    "use none, auto, required or {\"type\": \"function\", \"name\": …} for this model.");
}

function decodeTextFormat(text: unknown): ResponseFormat | undefined {
  if (text === undefined || text === null) return undefined;
  if (!isRecord(text)) throw invalidParameter("text", "expected an object.");
  const format = text.format;
  if (format === undefined || format === null) return undefined;
  if (!isRecord(format)) throw invalidParameter("text.format", "expected an object.");

  switch (format.type) {
    case "text":
      return undefined;
    case "json_object":
      return { type: "json_object" };
    case "json_schema": {
      if (typeof format.name !== "string" || format.name === "") {
        throw invalidParameter("text.format.name", "a json_schema format needs a name.");
      }
      const schema: Extract<ResponseFormat, { type: "json_schema" }>["json_schema"] = {
        name: format.name,
      };
      if (isRecord(format.schema)) schema.schema = format.schema;
      if (typeof format.description === "string") schema.description = format.description;
      if (typeof format.strict === "boolean") schema.strict = format.strict;
      return { type: "json_schema", json_schema: schema };
    }
  }
  throw unsupportedParameter("text.format.type",
    `the format '${String(format.type)}' is not supported; use text, json_object or json_schema.`);
}

function decodeEffort(reasoning: unknown): ChatRequest["reasoning_effort"] {
  if (reasoning === undefined || reasoning === null) return undefined;
  if (!isRecord(reasoning)) throw invalidParameter("reasoning", "expected an object.");
  const effort = reasoning.effort;
  if (effort === undefined || effort === null || effort === "none") return undefined;
  // OpenAI's highest level; chat providers know no level above `high`.
  if (effort === "xhigh") return "high";
  if (typeof effort !== "string" || !EFFORTS.has(effort)) {
    throw invalidParameter("reasoning.effort",
      `'${String(effort)}' is not a reasoning effort; use none, minimal, low, medium or high.`);
  }
  return effort as ChatRequest["reasoning_effort"];
}
