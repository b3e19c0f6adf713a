/** Builds the upstream HTTP request for `POST /v2/chat` from a canonical chat request. */

import type { ChatRequest } from "../../canonical/chat.ts";
import type { Target, UpstreamRequest } from "../codec.ts";
import { encodeMessages } from "./encode-messages.ts";
import { encodeResponseFormat, encodeTools } from "./encode-tools.ts";
import { buildHeaders, endpoint } from "./headers.ts";
import { unsupportedParameter } from "./request-errors.ts";
import { encodeThinking } from "./thinking.ts";
import type { CohereChatRequest } from "./wire.ts";

export function encodeChatRequest(request: ChatRequest, target: Target): UpstreamRequest {
  const body = buildBody(request, target.upstreamModel);
  return {
    url: endpoint(target, "/v2/chat"),
    method: "POST",
    headers: buildHeaders(target, body.stream === true),
    body: JSON.stringify(body),
  };
}

/** Translates the request body; exported for tests that compare bodies field by field. */
export function buildBody(request: ChatRequest, upstreamModel: string): CohereChatRequest {
  rejectUnsupported(request);

  const body: CohereChatRequest = {
    model: upstreamModel,
    messages: encodeMessages(request.messages),
    ...encodeTools(request),
  };

  const format = encodeResponseFormat(request);
  if (format !== undefined) body.response_format = format;
  const thinking = encodeThinking(request);
  if (thinking !== undefined) body.thinking = thinking;

  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === "number") body.max_tokens = maxTokens;
  const stops = stopSequences(request.stop);
  if (stops.length > 0) body.stop_sequences = stops;
  addSampling(request, body);

  if (request.stream === true) body.stream = true;
  return body;
}

function addSampling(request: ChatRequest, body: CohereChatRequest): void {
  if (typeof request.temperature === "number") body.temperature = request.temperature;
  if (typeof request.top_p === "number") body.p = request.top_p;
  if (typeof request.top_k === "number") body.k = request.top_k;
  if (typeof request.seed === "number") body.seed = request.seed;
  if (typeof request.frequency_penalty === "number") {
    body.frequency_penalty = request.frequency_penalty;
  }
  if (typeof request.presence_penalty === "number") {
    body.presence_penalty = request.presence_penalty;
  }
}

function stopSequences(stop: ChatRequest["stop"]): string[] {
  if (stop === undefined || stop === null) return [];
  const all = typeof stop === "string" ? [stop] : stop;
  // An empty sequence matches nothing useful; OpenAI ignores it too.
  return all.filter((sequence) => sequence !== "");
}

/**
 * Rejects what Cohere's chat API cannot produce. `logit_bias` and `user` only tune or label
 * the request, so they are dropped.
 */
function rejectUnsupported(request: ChatRequest): void {
  if (typeof request.n === "number" && request.n > 1) {
    throw unsupportedParameter("n", "Cohere returns one choice per request; set n to 1.");
  }
  if (request.logprobs === true || typeof request.top_logprobs === "number") {
    const reason = "the gateway does not translate Cohere log probabilities.";
    throw unsupportedParameter("logprobs", reason);
  }
  if (Array.isArray(request.modalities) && request.modalities.includes("audio")) {
    throw unsupportedParameter("modalities", "Cohere models do not produce audio.");
  }
  if (request.functions !== undefined || request.function_call !== undefined) {
    throw unsupportedParameter("functions", "use 'tools' and 'tool_choice' instead.");
  }
}
