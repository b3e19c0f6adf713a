/**
 * Translates an Anthropic Messages request into the canonical chat request, for providers that
 * do not speak the Anthropic format. `cache_control` marks are dropped, because the canonical
 * shape has no cache breakpoints, and `service_tier` is dropped, because it only chooses
 * Anthropic capacity.
 */

import type {
  ChatMessage,
  ChatRequest,
  FunctionTool,
} from "../../../../runtime/canonical/chat.ts";
import { truncateInput } from "../../../../runtime/errors/truncate-input.ts";
import { EFFORT_BUDGETS } from "../../../../runtime/providers/anthropic/thinking.ts";
import {
  invalidRequest,
  unsupportedParameterFor,
} from "../../../../runtime/providers/request-errors.ts";
import { decodeMessages } from "./decode-messages.ts";
import type { AnthropicRequest, AnthropicTool } from "./request-schema.ts";
import type { TargetFormat } from "./target-format.ts";

export function decodeMessagesRequest(body: AnthropicRequest, format: TargetFormat): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = systemText(body.system);
  if (system !== "") messages.push({ role: "system", content: system });
  messages.push(...decodeMessages(body.messages, format));

  const request: ChatRequest = { model: body.model, messages };
  if (format.maxCompletionTokens) request.max_completion_tokens = body.max_tokens;
  else request.max_tokens = body.max_tokens;
  if (body.stream === true) request.stream = true;

  addSampling(body, format, request);
  addTools(body, format, request);
  addReasoning(body, request);
  const user = body.metadata?.user_id;
  if (typeof user === "string" && user !== "") request.user = user;
  return request;
}

/** Joins system text blocks with a blank line, as the canonical system message is one text. */
function systemText(system: AnthropicRequest["system"]): string {
  if (system === undefined) return "";
  if (typeof system === "string") return system;
  return system.map((block) => block.text).filter((text) => text !== "").join("\n\n");
}

function addSampling(body: AnthropicRequest, format: TargetFormat, request: ChatRequest): void {
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.top_p = body.top_p;
  if (body.stop_sequences !== undefined && body.stop_sequences.length > 0) {
    request.stop = body.stop_sequences;
  }
  if (body.top_k === undefined) return;

  // top_k changes which tokens can be sampled, so it is rejected rather than silently lost.
  if (!format.topK) {
    throw unsupportedParameterFor(format.type)(
      "top_k",
      "the provider's API has no top-k sampling; remove top_k.",
    );
  }
  request.top_k = body.top_k;
}

function addTools(body: AnthropicRequest, format: TargetFormat, request: ChatRequest): void {
  if (body.tools === undefined || body.tools.length === 0) return;
  request.tools = body.tools.map((tool, index) => decodeTool(tool, `tools.${index}`, format));

  const choice = body.tool_choice;
  if (choice === undefined) return;
  switch (choice.type) {
    case "auto":
      request.tool_choice = "auto";
      break;
    case "any":
      request.tool_choice = "required";
      break;
    case "tool":
      request.tool_choice = { type: "function", function: { name: choice.name } };
      break;
    case "none":
      request.tool_choice = "none";
      return;
  }
  if (choice.disable_parallel_tool_use === true) request.parallel_tool_calls = false;
}

/** Translates a custom tool into a function tool. Anthropic's server tools have no counterpart. */
function decodeTool(tool: AnthropicTool, param: string, format: TargetFormat): FunctionTool {
  if (tool.type !== undefined && tool.type !== null && tool.type !== "custom") {
    throw unsupportedParameterFor(format.type)(
      `${param}.type`,
      `'${truncateInput(String(tool.type))}' is an Anthropic server tool; only custom tools ` +
        "can be translated.",
    );
  }
  if (typeof tool.name !== "string" || tool.name === "") {
    throw invalidRequest(`${param}.name must be a non-empty string.`, `${param}.name`);
  }
  const schema = tool.input_schema;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    throw invalidRequest(`${param}.input_schema must be a JSON Schema object.`,
      `${param}.input_schema`);
  }

  const decoded: FunctionTool = {
    type: "function",
    function: { name: tool.name, parameters: schema as Record<string, unknown> },
  };
  if (typeof tool.description === "string") decoded.function.description = tool.description;
  if (typeof tool.strict === "boolean") decoded.function.strict = tool.strict;
  return decoded;
}

/**
 * Maps a thinking budget to `reasoning_effort`, which every codec reads or passes on. The
 * thresholds are the budgets the Anthropic codec gives each effort, so a request that crosses
 * both translations keeps its level. "minimal" is never chosen, because it turns thinking off
 * at Cohere. A disabled or absent
 * `thinking` leaves the provider's default, since some models (DeepSeek's reasoner, Gemini 2.5
 * Pro) always think.
 */
function addReasoning(body: AnthropicRequest, request: ChatRequest): void {
  const thinking = body.thinking;
  if (thinking === undefined || thinking.type !== "enabled") return;

  if (thinking.budget_tokens === undefined) {
    throw invalidRequest("thinking.budget_tokens is required when thinking is enabled.",
      "thinking.budget_tokens");
  }
  if (thinking.budget_tokens >= body.max_tokens) {
    throw invalidRequest(
      "thinking.budget_tokens must be less than max_tokens.",
      "thinking.budget_tokens",
    );
  }
  const budget = thinking.budget_tokens;
  if (budget >= (EFFORT_BUDGETS.high ?? Infinity)) request.reasoning_effort = "high";
  else if (budget >= (EFFORT_BUDGETS.medium ?? Infinity)) request.reasoning_effort = "medium";
  else request.reasoning_effort = "low";
}
