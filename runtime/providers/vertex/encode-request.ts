/**
 * Builds the Vertex request for a chat completion. Gemini models take the Gemini API's body
 * at `:generateContent`; Claude models take the Messages API body at `:rawPredict`, with the
 * API version in the body instead of a header and the model only in the URL.
 */

import type { ChatRequest } from "../../canonical/chat.ts";
import { buildBody as buildAnthropicBody } from "../anthropic/encode-request.ts";
import type { Target, UpstreamRequest } from "../codec.ts";
import { buildBody as buildGeminiBody } from "../gemini/encode-request.ts";
import { publisherOf, vertexHeaders, vertexModelUrl } from "./model-url.ts";

/** The Messages API version Vertex requires for Claude, sent as `anthropic_version`. */
export const VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16";

export function encodeChatRequest(request: ChatRequest, target: Target): UpstreamRequest {
  const stream = request.stream === true;
  if (publisherOf(target.upstreamModel) === "anthropic") {
    const method = stream ? "streamRawPredict" : "rawPredict";
    return {
      url: `${vertexModelUrl(target, "anthropic")}:${method}`,
      method: "POST",
      headers: vertexHeaders(target),
      body: JSON.stringify(buildClaudeBody(request, target.upstreamModel)),
    };
  }

  const method = stream ? "streamGenerateContent?alt=sse" : "generateContent";
  return {
    url: `${vertexModelUrl(target, "google")}:${method}`,
    method: "POST",
    headers: vertexHeaders(target),
    body: JSON.stringify(buildGeminiBody(request, target.upstreamModel)),
  };
}

/** Builds the Anthropic codec's body without `model` and with `anthropic_version`. */
export function buildClaudeBody(request: ChatRequest, upstreamModel: string) {
  const { model: _model, ...body } = buildAnthropicBody(request, upstreamModel);
  return { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...body };
}
