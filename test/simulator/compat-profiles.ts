/**
 * The OpenAI-compatible providers the simulator speaks under `/compat/{name}/`, each with the
 * differences from OpenAI that its API documentation or recorded responses show. This table
 * is written from those sources, independently of the compat codec's profiles, so that a
 * codec mistake shows up as a failing test and not as a shared assumption.
 */

import {
  addReasoning,
  addStreamedReasoning,
  mapUsage,
  mistralCompletionToolCalls,
  placeStreamUsage,
  reshapeStreamedToolCall,
  type ReasoningStyle,
  type StreamUsage,
  type ToolCallStyle,
} from "./compat-quirks.ts";
import { type ChatReshape, isUsageChunk, type JsonObject } from "./compat-reshape.ts";
import type { IdSource } from "./ids.ts";
import { isRecord } from "./incoming-request.ts";
import { openaiHeaders } from "./provider-headers.ts";

export interface SimulatedProfile {
  /** Path between `/compat/{name}` and `/chat/completions`, as in the provider's base URL. */
  basePath: string;
  /** Whether `{basePath}/embeddings` is served, in OpenAI's shape. */
  embeddings: boolean;
  /** Where the response to this request puts reasoning, or undefined for no reasoning. */
  reasoning(request: JsonObject): ReasoningStyle | undefined;
  streamUsage: StreamUsage;
  toolCalls: ToolCallStyle;
  /** The completion id, when it is not OpenAI's `chatcmpl-…`. */
  completionId?(ids: IdSource): string;
  /** Rewrites the usage object (after reasoning tokens are counted in). */
  usage?(usage: JsonObject): JsonObject;
  /** Adds provider-only fields to a completion, or to the first and finish chunks. */
  extraFields?(ids: IdSource, usage: unknown): { first?: JsonObject; last?: JsonObject };
}

/** Models whose names mark them as reasoning models at most of these providers. */
const REASONING_MODEL = /r1|think|reason|qwen3|gpt-oss/i;

function modelOf(request: JsonObject): string {
  return typeof request.model === "string" ? request.model : "";
}

function reasonsByName(style: ReasoningStyle, pattern = REASONING_MODEL) {
  return (request: JsonObject) => (pattern.test(modelOf(request)) ? style : undefined);
}

const noReasoning = () => undefined;

/** DeepSeek bills cache hits in 64-token units; the simulator counts the longest whole run. */
function deepseekUsage(usage: JsonObject): JsonObject {
  const prompt = Number(usage.prompt_tokens);
  const hit = Math.floor(prompt / 64) * 64;
  const details = isRecord(usage.completion_tokens_details) ? usage.completion_tokens_details : {};
  const reshaped: JsonObject = {
    ...usage,
    prompt_cache_hit_tokens: hit,
    prompt_cache_miss_tokens: prompt - hit,
    completion_tokens_details: { reasoning_tokens: details.reasoning_tokens ?? 0 },
  };
  // NOTE: current DeepSeek responses also carry `prompt_tokens_details.cached_tokens`. It is
  // left out so that the hit field is the only place the cached count can be read from.
  delete reshaped.prompt_tokens_details;
  return reshaped;
}

function mistralUsage(usage: JsonObject): JsonObject {
  const { prompt_tokens, total_tokens, completion_tokens } = usage;
  return { prompt_tokens, total_tokens, completion_tokens };
}

/** Groq adds queue and processing times, in seconds, and sends no token details. */
function groqUsage(usage: JsonObject): JsonObject {
  return {
    queue_time: 0.02,
    prompt_tokens: usage.prompt_tokens,
    prompt_time: 0.01,
    completion_tokens: usage.completion_tokens,
    completion_time: 0.04,
    total_tokens: usage.total_tokens,
    total_time: 0.05,
  };
}

/**
 * xAI leaves reasoning tokens out of `completion_tokens` but counts them in `total_tokens`, as
 * recorded grok-3-mini responses show (291 + 26 + 189 reasoning = 506 total).
 */
function xaiUsage(usage: JsonObject): JsonObject {
  const details = isRecord(usage.completion_tokens_details) ? usage.completion_tokens_details : {};
  const reasoning = Number(details.reasoning_tokens ?? 0);
  return {
    ...usage,
    completion_tokens: Number(usage.completion_tokens) - reasoning,
    num_sources_used: 0,
  };
}

const uuid = (ids: IdSource) => ids.cohereUuid();

export const SIMULATED_PROFILES: Record<string, SimulatedProfile> = {
  deepseek: {
    basePath: "",
    embeddings: false,
    reasoning: reasonsByName("reasoning_content", /reasoner/),
    streamUsage: "finish",
    toolCalls: "openai",
    completionId: uuid,
    usage: deepseekUsage,
  },
  moonshot: {
    basePath: "/v1",
    embeddings: false,
    reasoning: reasonsByName("reasoning_content"),
    streamUsage: "openai",
    toolCalls: "openai",
  },
  mistral: {
    basePath: "/v1",
    embeddings: true,
    // NOTE: Magistral's `thinking` content parts are not simulated.
    reasoning: noReasoning,
    streamUsage: "always-finish",
    toolCalls: "mistral",
    completionId: (ids) => ids.hex(32),
    usage: mistralUsage,
  },
  groq: {
    basePath: "/openai/v1",
    embeddings: false,
    reasoning: (request) => {
      if (request.reasoning_format === "hidden") return undefined;
      return reasonsByName("reasoning")(request);
    },
    streamUsage: "finish",
    toolCalls: "whole",
    completionId: (ids) => `chatcmpl-${ids.cohereUuid()}`,
    usage: groqUsage,
    extraFields(ids, usage) {
      const id = `req_${ids.base62(26).toLowerCase()}`;
      return { first: { x_groq: { id } }, last: { x_groq: { id, usage } } };
    },
  },
  fireworks: {
    basePath: "/inference/v1",
    embeddings: true,
    reasoning: reasonsByName("reasoning_content"),
    streamUsage: "openai",
    toolCalls: "openai",
  },
  together: {
    basePath: "/v1",
    embeddings: true,
    reasoning: reasonsByName("reasoning"),
    streamUsage: "openai",
    toolCalls: "openai",
  },
  perplexity: {
    basePath: "",
    embeddings: false,
    reasoning: reasonsByName("think_tags", /reasoning/),
    streamUsage: "openai",
    toolCalls: "openai",
    usage: (usage) => ({ ...usage, search_context_size: "low" }),
    extraFields: () => ({ last: { citations: [], search_results: [] } }),
  },
  xai: {
    basePath: "/v1",
    embeddings: false,
    reasoning: reasonsByName("reasoning_content", /mini/),
    streamUsage: "openai",
    toolCalls: "openai",
    completionId: uuid,
    usage: xaiUsage,
  },
  // The router forwards to the host of the model, so it adds no fields of its own.
  huggingface: {
    basePath: "/v1",
    embeddings: false,
    reasoning: noReasoning,
    streamUsage: "openai",
    toolCalls: "openai",
  },
  minimax: {
    basePath: "/v1",
    embeddings: false,
    // M-series models always reason; `reasoning_split` moves it out of `content`.
    reasoning: (request) => (request.reasoning_split === true ? "reasoning_details" : "think_tags"),
    streamUsage: "openai",
    toolCalls: "openai",
    extraFields: () => ({ last: { base_resp: { status_code: 0, status_msg: "" } } }),
  },
  glm: {
    basePath: "/api/paas/v4",
    embeddings: false,
    // GLM-4.5 and later think unless `thinking: {type: "disabled"}` is sent.
    reasoning: (request) => {
      const disabled = isRecord(request.thinking) && request.thinking.type === "disabled";
      return disabled ? undefined : "reasoning_content";
    },
    streamUsage: "finish",
    toolCalls: "whole",
    extraFields: (ids) => ({ last: { request_id: ids.hex(20) } }),
  },
};

/** Builds the reshape of one profile's chat responses. */
export function profileReshape(profile: SimulatedProfile): ChatReshape {
  return {
    completion(body, request, context) {
      let reshaped = body;
      const style = profile.reasoning(request);
      if (style !== undefined) reshaped = addReasoning(reshaped, style);
      if (profile.toolCalls === "mistral") {
        reshaped = mistralCompletionToolCalls(reshaped, context.ids.base62(9));
      }
      if (profile.usage !== undefined) reshaped = mapUsage(reshaped, profile.usage);
      if (profile.completionId !== undefined) reshaped.id = profile.completionId(context.ids);

      const extra = profile.extraFields?.(context.ids, reshaped.usage);
      return withoutServiceTier({ ...reshaped, ...extra?.first, ...extra?.last });
    },

    chunks(chunks, request, context) {
      const usageMap = profile.usage ?? ((usage: JsonObject) => usage);
      const toolCallId = profile.toolCalls === "mistral" ? context.ids.base62(9) : undefined;
      let reshaped = reshapeStreamedToolCall(chunks, profile.toolCalls, toolCallId);
      const style = profile.reasoning(request);
      if (style !== undefined) reshaped = addStreamedReasoning(reshaped, style);
      // Read before placement, because providers such as Groq send usage in their own field
      // even when the client did not ask for the usage chunk.
      const usageChunk = reshaped.find(isUsageChunk);
      const usage = usageChunk === undefined ? null : mapUsage(usageChunk, usageMap).usage;

      reshaped = placeStreamUsage(reshaped, request, profile.streamUsage);
      reshaped = reshaped.map((chunk) => mapUsage(chunk, usageMap));
      const id = profile.completionId?.(context.ids);
      if (id !== undefined) reshaped = reshaped.map((chunk) => ({ ...chunk, id }));
      reshaped = reshaped.map(withoutServiceTier);
      return withExtraFields(reshaped, profile.extraFields?.(context.ids, usage));
    },

    headers: (context, tokens) => openaiHeaders(context.ids.openaiRequest(), tokens),
  };
}

/** Drops OpenAI's `service_tier: "default"`; Groq's own tier field is not simulated. */
function withoutServiceTier(body: JsonObject): JsonObject {
  const copy = { ...body };
  delete copy.service_tier;
  return copy;
}

function withExtraFields(
  chunks: JsonObject[],
  extra: { first?: JsonObject; last?: JsonObject } | undefined,
): JsonObject[] {
  if (extra === undefined || chunks.length === 0) return chunks;

  const last = chunks.length - 1;
  return chunks.map((chunk, position) => {
    if (position === 0) return { ...chunk, ...extra.first };
    return position === last ? { ...chunk, ...extra.last } : chunk;
  });
}
