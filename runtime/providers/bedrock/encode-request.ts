/**
 * Builds the upstream request for Bedrock `Converse` and `ConverseStream` from a canonical
 * request. Authentication (SigV4 or a Bedrock API key) is added by `send`, because a SigV4
 * signature covers the final URL, headers and body.
 */

import type { ChatRequest } from "../../canonical/chat.ts";
import { NexusError } from "../../errors/nexus-error.ts";
import type { Target, UpstreamRequest } from "../codec.ts";
import { encodeConversation } from "./encode-messages.ts";
import { encodeTools } from "./encode-tools.ts";
import { unsupportedParameter } from "./request-errors.ts";
import { isAnthropicModel, planThinking } from "./thinking.ts";
import type { ConverseRequest, InferenceConfig } from "./wire.ts";

/** Media type of ConverseStream bodies (AWS event stream encoding). */
export const EVENT_STREAM_TYPE = "application/vnd.amazon.eventstream";

export function encodeChatRequest(request: ChatRequest, target: Target): UpstreamRequest {
  requireCredentials(target);
  const stream = request.stream === true;
  return {
    url: converseUrl(target, stream),
    method: "POST",
    headers: buildHeaders(target, stream),
    body: JSON.stringify(buildBody(request, target.upstreamModel)),
  };
}

/**
 * `{baseUrl}/model/{modelId}/converse` or `/converse-stream`. The model id is encoded once
 * here, so `:` in `anthropic.claude-…-v1:0` and `/` in an ARN stay inside one path segment.
 */
export function converseUrl(target: Target, stream: boolean): string {
  const base = target.baseUrl.replace(/\/+$/, "");
  const model = encodeURIComponent(target.upstreamModel);
  return `${base}/model/${model}/${stream ? "converse-stream" : "converse"}`;
}

/** Translates the request body; exported for tests that compare bodies field by field. */
export function buildBody(request: ChatRequest, modelId: string): ConverseRequest {
  rejectUnsupported(request);

  const conversation = encodeConversation(request.messages);
  const thinking = planThinking(request, modelId);
  const tools = encodeTools(request, thinking.enabled);

  const body: ConverseRequest = { messages: conversation.messages };
  const system = [...conversation.system];
  if (tools.instruction !== undefined) system.push({ text: tools.instruction });
  if (system.length > 0) body.system = system;

  const config = buildInferenceConfig(request, modelId, thinking.maxTokens);
  if (Object.keys(config).length > 0) body.inferenceConfig = config;
  if (tools.toolConfig !== undefined) body.toolConfig = tools.toolConfig;

  const extra: Record<string, unknown> = { ...thinking.fields };
  if (typeof request.top_k === "number" && isAnthropicModel(modelId)) extra.top_k = request.top_k;
  if (Object.keys(extra).length > 0) body.additionalModelRequestFields = extra;
  return body;
}

function buildInferenceConfig(
  request: ChatRequest,
  modelId: string,
  maxTokens: number | undefined,
): InferenceConfig {
  const config: InferenceConfig = {};
  if (maxTokens !== undefined) config.maxTokens = maxTokens;
  if (typeof request.temperature === "number") {
    // OpenAI's temperature runs from 0 to 2, Anthropic's from 0 to 1: values above 1 are
    // clamped for Anthropic models. Other families keep the value and Bedrock checks it.
    const anthropic = isAnthropicModel(modelId);
    config.temperature = anthropic ? Math.min(request.temperature, 1) : request.temperature;
  }
  if (typeof request.top_p === "number") config.topP = request.top_p;

  const stop = request.stop;
  if (typeof stop === "string" && stop !== "") config.stopSequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) config.stopSequences = stop;
  return config;
}

/**
 * Rejects what Converse cannot produce. Fields it has no place for (seed, penalties,
 * logit_bias, …) are named by the codec's unhonouredChatParams, so the gateway drops or
 * refuses them as the key says.
 */
function rejectUnsupported(request: ChatRequest): void {
  if (typeof request.n === "number" && request.n > 1) {
    throw unsupportedParameter("n", "Converse returns one choice per request; set n to 1.");
  }
  if (request.logprobs === true || typeof request.top_logprobs === "number") {
    throw unsupportedParameter("logprobs", "Converse does not return log probabilities.");
  }
  if (Array.isArray(request.modalities) && request.modalities.includes("audio")) {
    throw unsupportedParameter("modalities", "the codec does not translate audio output.");
  }
  if (request.functions !== undefined || request.function_call !== undefined) {
    throw unsupportedParameter("functions", "use 'tools' and 'tool_choice' instead.");
  }
}

function buildHeaders(target: Target, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? EVENT_STREAM_TYPE : "application/json",
  };
  for (const [name, value] of Object.entries(target.headers)) headers[name.toLowerCase()] = value;
  return headers;
}

/** A Bedrock API key (`apiKeyEnv`) or an access key pair (`credentialEnv`) must be set. */
function requireCredentials(target: Target): void {
  const credentials = target.credentials ?? {};
  const keyPair = credentials.accessKeyId !== undefined &&
    credentials.secretAccessKey !== undefined;
  if (target.apiKey !== null || keyPair) return;
  throw new NexusError(
    "provider_credentials_missing",
    `Provider '${target.provider}' has no credentials: set apiKeyEnv to a Bedrock API key, ` +
      "or credentialEnv with accessKeyId and secretAccessKey.",
    { status: 500, type: "api_error" },
  );
}
