/** Builds the upstream HTTP request for Gemini `generateContent` from a canonical request. */

import type { ChatRequest } from "../../canonical/chat.ts";
import { NexusError } from "../../errors/nexus-error.ts";
import type { Target, UpstreamRequest } from "../codec.ts";
import { encodeContents } from "./encode-contents.ts";
import { encodeTools } from "./encode-tools.ts";
import { unsupportedParameter } from "./request-errors.ts";
import { planThinking } from "./thinking.ts";
import type { GeminiGenerationConfig, GeminiRequest } from "./wire.ts";

export function encodeChatRequest(request: ChatRequest, target: Target): UpstreamRequest {
  const method = request.stream === true ? "streamGenerateContent?alt=sse" : "generateContent";
  return {
    url: `${modelUrl(target)}:${method}`,
    method: "POST",
    headers: buildHeaders(target),
    body: JSON.stringify(buildBody(request, target.upstreamModel)),
  };
}

/** Builds the model resource URL, which `:method` follows. */
export function modelUrl(target: Target): string {
  const base = target.baseUrl.replace(/\/+$/, "");
  return `${base}/v1beta/models/${encodeURIComponent(target.upstreamModel)}`;
}

/** Translates the request body; exported for tests that compare bodies field by field. */
export function buildBody(request: ChatRequest, upstreamModel: string): GeminiRequest {
  rejectUnsupported(request);

  const encoded = encodeContents(request.messages, upstreamModel);
  const body: GeminiRequest = { contents: encoded.contents };
  if (encoded.system.length > 0) body.systemInstruction = { parts: encoded.system };

  const tools = encodeTools(request);
  if (tools.tools !== undefined) body.tools = tools.tools;
  if (tools.toolConfig !== undefined) body.toolConfig = tools.toolConfig;

  const config = buildGenerationConfig(request, upstreamModel);
  if (Object.keys(config).length > 0) body.generationConfig = config;
  return body;
}

function buildGenerationConfig(request: ChatRequest, upstreamModel: string) {
  const config: GeminiGenerationConfig = {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === "number") config.maxOutputTokens = maxTokens;
  if (typeof request.temperature === "number") config.temperature = request.temperature;
  if (typeof request.top_p === "number") config.topP = request.top_p;
  if (typeof request.top_k === "number") config.topK = request.top_k;
  if (typeof request.n === "number") config.candidateCount = request.n;
  if (typeof request.seed === "number") config.seed = request.seed;
  if (typeof request.presence_penalty === "number") {
    config.presencePenalty = request.presence_penalty;
  }
  if (typeof request.frequency_penalty === "number") {
    config.frequencyPenalty = request.frequency_penalty;
  }

  const stop = request.stop;
  if (typeof stop === "string" && stop !== "") config.stopSequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) config.stopSequences = stop;

  addResponseFormat(request, config);
  const thinking = planThinking(request, upstreamModel);
  if (thinking !== undefined) config.thinkingConfig = thinking;
  return config;
}

/**
 * JSON mode sets the response MIME type. A JSON schema goes in `responseJsonSchema`, which
 * takes standard JSON Schema, unlike `responseSchema` and its OpenAPI subset.
 */
function addResponseFormat(request: ChatRequest, config: GeminiGenerationConfig): void {
  const format = request.response_format;
  if (format === undefined || format === null || format.type === "text") return;

  if (format.type === "json_object") {
    config.responseMimeType = "application/json";
  } else if (format.type === "json_schema") {
    config.responseMimeType = "application/json";
    const schema = (format as { json_schema?: { schema?: unknown } }).json_schema?.schema;
    if (typeof schema === "object" && schema !== null) {
      config.responseJsonSchema = schema as Record<string, unknown>;
    }
  } else {
    const type = String((format as { type?: unknown }).type);
    throw unsupportedParameter("response_format", `type '${type}' is not known.`);
  }
}

/** Rejects what Gemini cannot produce; sampling-only knobs without a Gemini twin are dropped. */
function rejectUnsupported(request: ChatRequest): void {
  if (request.logprobs === true || typeof request.top_logprobs === "number") {
    throw unsupportedParameter("logprobs", "the codec does not translate log probabilities.");
  }
  if (Array.isArray(request.modalities) && request.modalities.includes("audio")) {
    throw unsupportedParameter("modalities", "the codec does not translate audio output.");
  }
  if (request.functions !== undefined || request.function_call !== undefined) {
    throw unsupportedParameter("functions", "use 'tools' and 'tool_choice' instead.");
  }
}

export function buildHeaders(target: Target): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const [name, value] of Object.entries(target.headers)) extra[name.toLowerCase()] = value;

  if (target.apiKey === null && extra["x-goog-api-key"] === undefined) {
    throw new NexusError(
      "provider_credentials_missing",
      `Provider '${target.provider}' has no API key configured.`,
      { status: 500, type: "api_error" },
    );
  }

  const headers: Record<string, string> = { "content-type": "application/json" };
  if (target.apiKey !== null) headers["x-goog-api-key"] = target.apiKey;
  return { ...headers, ...extra };
}
