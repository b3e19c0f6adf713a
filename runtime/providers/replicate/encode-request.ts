/**
 * Builds `POST {baseUrl}/models/{owner}/{name}/predictions` from a canonical chat request.
 * The prediction is then followed by the codec's `send` (see send.ts).
 */

import type { ChatRequest } from "../../canonical/chat.ts";
import type { Target, UpstreamRequest } from "../codec.ts";
import { flattenMessages } from "./encode-prompt.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
import type { CreatePredictionBody, ReplicateLlmInput } from "./wire.ts";

/**
 * Seconds the create call may hold the connection open for a result (`Prefer: wait=N`), after
 * which the prediction is polled. Short, so polling honours the gateway's own deadline.
 */
export const PREFER_WAIT_SECONDS = 5;

export function encodeChatRequest(request: ChatRequest, target: Target): UpstreamRequest {
  const body = buildBody(request);
  const stream = body.stream === true;
  const headers: Record<string, string> = {
    ...target.headers,
    "content-type": "application/json",
  };
  if (target.apiKey !== null) headers.authorization = `Bearer ${target.apiKey}`;
  // A stream is read from urls.stream, so its create call must return at once.
  if (!stream) headers.prefer = `wait=${PREFER_WAIT_SECONDS}`;

  return {
    url: `${target.baseUrl}/models/${modelPath(target.upstreamModel)}/predictions`,
    method: "POST",
    headers,
    body: JSON.stringify(body),
  };
}

/** Translates the request body; exported for tests that compare bodies field by field. */
export function buildBody(request: ChatRequest): CreatePredictionBody {
  rejectUnsupported(request);
  const { prompt, systemPrompt } = flattenMessages(request.messages);

  const input: ReplicateLlmInput = { prompt };
  if (systemPrompt !== undefined) input.system_prompt = systemPrompt;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === "number") input.max_tokens = maxTokens;
  const stops = stopSequences(request.stop);
  if (stops !== undefined) input.stop_sequences = stops;
  addSampling(request, input);

  const body: CreatePredictionBody = { input };
  if (request.stream === true) body.stream = true;
  return body;
}

/** Checks `owner/name` so that a model name cannot reach another API path. */
function modelPath(upstreamModel: string): string {
  const parts = upstreamModel.split("/");
  const valid = parts.length === 2 &&
    parts.every((part) => /^[A-Za-z0-9._-]+$/.test(part) && !/^\.+$/.test(part));
  if (!valid) {
    throw invalidRequest(
      `Replicate model '${upstreamModel}' is not of the form owner/name; fix upstreamModel.`,
      "model",
    );
  }
  return parts.map(encodeURIComponent).join("/");
}

function addSampling(request: ChatRequest, input: ReplicateLlmInput): void {
  if (typeof request.temperature === "number") input.temperature = request.temperature;
  if (typeof request.top_p === "number") input.top_p = request.top_p;
  if (typeof request.top_k === "number") input.top_k = request.top_k;
  if (typeof request.seed === "number") input.seed = request.seed;
  if (typeof request.presence_penalty === "number") {
    input.presence_penalty = request.presence_penalty;
  }
  if (typeof request.frequency_penalty === "number") {
    input.frequency_penalty = request.frequency_penalty;
  }
}

/**
 * Joins stop sequences with commas, as the LLM models' `stop_sequences` input expects. A
 * sequence that itself contains a comma would be split in two, so it is rejected.
 */
function stopSequences(stop: ChatRequest["stop"]): string | undefined {
  if (stop === undefined || stop === null) return undefined;
  const all = (typeof stop === "string" ? [stop] : stop).filter((sequence) => sequence !== "");
  if (all.some((sequence) => sequence.includes(","))) {
    throw unsupportedParameter("stop", "Replicate separates stop sequences with commas, so a " +
      "sequence cannot contain one.");
  }
  return all.length === 0 ? undefined : all.join(",");
}

/**
 * Rejects what Replicate's LLM inputs cannot carry. `user` and `metadata` only label the
 * request, so they are dropped.
 */
function rejectUnsupported(request: ChatRequest): void {
  if (typeof request.n === "number" && request.n > 1) {
    throw unsupportedParameter("n", "a Replicate prediction returns one completion; set n to 1.");
  }
  if (request.tools !== undefined && request.tools.length > 0) {
    throw unsupportedParameter("tools", "Replicate's LLM inputs have no tool definitions.");
  }
  if (request.functions !== undefined || request.function_call !== undefined) {
    throw unsupportedParameter("functions", "Replicate's LLM inputs have no functions.");
  }
  const format = request.response_format?.type;
  if (format === "json_object" || format === "json_schema") {
    throw unsupportedParameter("response_format",
      "Replicate's LLM inputs cannot constrain the output to JSON.");
  }
  if (request.logprobs === true || typeof request.top_logprobs === "number") {
    throw unsupportedParameter("logprobs", "Replicate predictions return no log probabilities.");
  }
  if (request.logit_bias !== undefined && request.logit_bias !== null) {
    throw unsupportedParameter("logit_bias", "Replicate's LLM inputs have no logit bias.");
  }
  if (Array.isArray(request.modalities) && request.modalities.includes("audio")) {
    throw unsupportedParameter("modalities", "the gateway maps only text output for Replicate.");
  }
}
