import type { ChatRequest } from "../canonical/chat.ts";

/**
 * Fields never counted as unhonoured: every codec handles the first four (the gateway consumes
 * `stream_options` itself). The rest are left to the codec to refuse, because an answer without
 * them has another shape than the client asked for: fewer choices, no tool calls, no JSON, no
 * audio.
 */
const LEFT_TO_CODEC: ReadonlySet<string> = new Set([
  "model",
  "messages",
  "stream",
  "stream_options",
  "n",
  "tools",
  "response_format",
  "functions",
  "function_call",
  "modalities",
  "audio",
]);

/**
 * Returns the request's fields that a codec translating only `honoured` would neither send nor
 * translate, in the order the client sent them.
 */
export function unhonouredParams(request: ChatRequest, honoured: ReadonlySet<string>): string[] {
  return Object.keys(request).filter((field) => {
    const value = request[field];
    if (value === undefined || value === null) return false;
    return !LEFT_TO_CODEC.has(field) && !honoured.has(field);
  });
}

/** Fields that every translating encoder below maps. */
const SAMPLING = ["max_tokens", "max_completion_tokens", "temperature", "top_p", "stop"];
const TOOLS = ["tools", "tool_choice", "response_format"];

/** Chat fields the Anthropic Messages encoder translates. */
export const ANTHROPIC_CHAT_PARAMS: ReadonlySet<string> = new Set([
  ...SAMPLING,
  ...TOOLS,
  "top_k",
  "parallel_tool_calls",
  "user",
  "thinking",
  "reasoning_effort",
  "output_config",
]);

/** Chat fields the Gemini generateContent encoder translates. */
export const GEMINI_CHAT_PARAMS: ReadonlySet<string> = new Set([
  ...SAMPLING,
  ...TOOLS,
  "top_k",
  "seed",
  "presence_penalty",
  "frequency_penalty",
  "reasoning_effort",
]);

/** Chat fields the Replicate prediction encoder translates into the model's inputs. */
export const REPLICATE_CHAT_PARAMS: ReadonlySet<string> = new Set([
  ...SAMPLING,
  "top_k",
  "seed",
  "presence_penalty",
  "frequency_penalty",
]);

/** Chat fields the Bedrock Converse encoder translates (top_k for Anthropic models only). */
export const BEDROCK_CHAT_PARAMS: ReadonlySet<string> = new Set([
  ...SAMPLING,
  "reasoning_effort",
  "thinking",
]);
const BEDROCK_ANTHROPIC_CHAT_PARAMS: ReadonlySet<string> = new Set([
  ...BEDROCK_CHAT_PARAMS,
  "top_k",
]);

/** Returns the chat fields Bedrock translates for a model, by whether it is Anthropic's. */
export function bedrockChatParams(anthropicModel: boolean): ReadonlySet<string> {
  return anthropicModel ? BEDROCK_ANTHROPIC_CHAT_PARAMS : BEDROCK_CHAT_PARAMS;
}

/** Chat fields the Cohere v2 chat encoder translates. */
export const COHERE_CHAT_PARAMS: ReadonlySet<string> = new Set([
  ...SAMPLING,
  ...TOOLS,
  "top_k",
  "seed",
  "presence_penalty",
  "frequency_penalty",
  "reasoning_effort",
  "thinking",
]);
