/** Builds the upstream HTTP request for `POST /v1/messages` from a canonical chat request. */

import type { ChatRequest } from "../../canonical/chat.ts";
import { NexusError } from "../../errors/nexus-error.ts";
import type { Target, UpstreamRequest } from "../codec.ts";
import { encodeConversation } from "./encode-messages.ts";
import { encodeTools } from "./encode-tools.ts";
import { unsupportedParameter } from "./request-errors.ts";
import { planStopSequences } from "./stop-sequences.ts";
import { planThinking, thinkingEnabled } from "./thinking.ts";
import type { AnthropicRequest } from "./wire.ts";

/** The API version this codec speaks; a target may set another through its headers. */
export const ANTHROPIC_VERSION = "2023-06-01";

export function encodeChatRequest(request: ChatRequest, target: Target): UpstreamRequest {
  return {
    url: `${target.baseUrl.replace(/\/+$/, "")}/v1/messages`,
    method: "POST",
    headers: buildHeaders(target),
    body: JSON.stringify(buildBody(request, target.upstreamModel)),
  };
}

/** Translates the request body; exported for tests that compare bodies field by field. */
export function buildBody(request: ChatRequest, upstreamModel: string): AnthropicRequest {
  rejectUnsupported(request);

  const conversation = encodeConversation(request.messages);
  const plan = planThinking(request);
  const tools = encodeTools(request, thinkingEnabled(plan.thinking));
  const stops = planStopSequences(request.stop);

  const body: AnthropicRequest = {
    model: upstreamModel,
    max_tokens: plan.maxTokens,
    messages: conversation.messages,
  };

  const system = [...conversation.system];
  if (tools.instruction !== undefined) system.push({ type: "text", text: tools.instruction });
  if (system.length > 0) body.system = system;

  if (plan.thinking !== undefined) body.thinking = plan.thinking;
  if (tools.tools !== undefined) body.tools = tools.tools;
  if (tools.toolChoice !== undefined) body.tool_choice = tools.toolChoice;
  if (stops.upstream.length > 0) body.stop_sequences = stops.upstream;
  addSampling(request, body);

  if (typeof request.user === "string" && request.user !== "") {
    body.metadata = { user_id: request.user };
  }
  if (isRecord(request.output_config)) body.output_config = request.output_config;
  if (request.stream === true) body.stream = true;
  return body;
}

function addSampling(request: ChatRequest, body: AnthropicRequest): void {
  // OpenAI's temperature runs from 0 to 2, Anthropic's from 0 to 1. Values above 1 are clamped
  // to Anthropic's most random setting rather than rejected.
  if (typeof request.temperature === "number") body.temperature = Math.min(request.temperature, 1);
  if (typeof request.top_p === "number") body.top_p = request.top_p;
  if (typeof request.top_k === "number") body.top_k = request.top_k;
}

/**
 * Rejects what Anthropic cannot produce. Parameters that only tune sampling (seed,
 * frequency_penalty, presence_penalty, logit_bias) are dropped, because the answer keeps its
 * shape without them.
 */
function rejectUnsupported(request: ChatRequest): void {
  if (typeof request.n === "number" && request.n > 1) {
    throw unsupportedParameter("n", "Anthropic returns one choice per request; set n to 1.");
  }
  if (request.logprobs === true || typeof request.top_logprobs === "number") {
    throw unsupportedParameter("logprobs", "Anthropic does not return log probabilities.");
  }
  if (Array.isArray(request.modalities) && request.modalities.includes("audio")) {
    throw unsupportedParameter("modalities", "Anthropic models do not produce audio.");
  }
  if (request.functions !== undefined || request.function_call !== undefined) {
    throw unsupportedParameter("functions", "use 'tools' and 'tool_choice' instead.");
  }
}

function buildHeaders(target: Target): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const [name, value] of Object.entries(target.headers)) extra[name.toLowerCase()] = value;

  const headerCredential = extra["x-api-key"] ?? extra.authorization;
  if (target.apiKey === null && headerCredential === undefined) {
    throw new NexusError(
      "provider_credentials_missing",
      `Provider '${target.provider}' has no API key configured.`,
      { status: 500, type: "api_error" },
    );
  }

  const headers: Record<string, string> = {
    "content-type": "application/json",
    "anthropic-version": ANTHROPIC_VERSION,
  };
  if (target.apiKey !== null) headers["x-api-key"] = target.apiKey;
  return { ...headers, ...extra };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
