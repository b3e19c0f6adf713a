/**
 * Rewrites of OpenAI's chat response into the dialects of OpenAI-compatible providers: where
 * reasoning text goes, how usage is counted and where a stream sends it, and how a streamed
 * tool call is split. `compat-profiles.ts` picks the rewrites for each provider.
 */

import {
  dropUnrequestedUsage,
  firstChoice,
  isUsageChunk,
  type JsonObject,
  usageRequested,
  withoutUsage,
} from "./compat-reshape.ts";
import { isRecord } from "./incoming-request.ts";
import { estimateTokens, splitDeltas } from "./synthetic-answer.ts";

/** The reasoning text of every simulated reasoning model. */
export const SIMULATED_REASONING = "The user wants their prompt echoed back, so I echo it.";

/**
 * Where a provider puts reasoning: a string field of the message or delta, MiniMax's
 * `reasoning_details` parts, or `<think>` tags at the start of `content`.
 */
export type ReasoningStyle = "reasoning_content" | "reasoning" | "reasoning_details" | "think_tags";

/** How a stream sends usage: OpenAI's separate chunk when requested, or on the finish chunk
 *  when requested, or on the finish chunk always (Mistral). */
export type StreamUsage = "openai" | "finish" | "always-finish";

/** How a stream sends a tool call: OpenAI's name chunk then argument pieces, one whole chunk
 *  with `index` and `type` (Groq, GLM), or Mistral's whole call without `index` and `type`
 *  on the finish chunk. */
export type ToolCallStyle = "openai" | "whole" | "mistral";

const REASONING_TOKENS = estimateTokens(SIMULATED_REASONING.length);

function thinkBlock(): string {
  return `<think>\n${SIMULATED_REASONING}\n</think>\n\n`;
}

function reasoningParts(text: string): JsonObject[] {
  return [{ type: "reasoning.text", id: "reasoning-text-1", format: "MiniMax-response-v1", index: 0, text }];
}

/** Adds the reasoning to a `chat.completion` and counts its tokens as completion tokens. */
export function addReasoning(body: JsonObject, style: ReasoningStyle): JsonObject {
  const choice = firstChoice(body);
  const message = isRecord(choice?.message) ? { ...choice.message } : {};
  if (style === "think_tags") message.content = thinkBlock() + String(message.content ?? "");
  else if (style === "reasoning_details") message.reasoning_details = reasoningParts(SIMULATED_REASONING);
  else message[style] = SIMULATED_REASONING;

  const choices = [{ ...choice, message }, ...(body.choices as unknown[]).slice(1)];
  return { ...body, choices, usage: withReasoningTokens(body.usage) };
}

/** Adds reasoning deltas before the answer's first chunk and counts their tokens. */
export function addStreamedReasoning(chunks: JsonObject[], style: ReasoningStyle): JsonObject[] {
  const template = chunks[0]!;
  const text = style === "think_tags" ? thinkBlock() : SIMULATED_REASONING;
  const reasoning = splitDeltas(text).map((piece, position) => {
    const delta: JsonObject = position === 0 ? { role: "assistant", content: null } : {};
    if (style === "think_tags") delta.content = piece;
    else if (style === "reasoning_details") delta.reasoning_details = reasoningParts(piece);
    else delta[style] = piece;
    return { ...template, choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] };
  });

  const counted = chunks.map((chunk) => {
    return isRecord(chunk.usage) ? { ...chunk, usage: withReasoningTokens(chunk.usage) } : chunk;
  });
  return [...reasoning, ...counted];
}

function withReasoningTokens(usage: unknown): JsonObject {
  const counts = isRecord(usage) ? usage : {};
  const completion = Number(counts.completion_tokens ?? 0) + REASONING_TOKENS;
  const total = Number(counts.total_tokens ?? 0) + REASONING_TOKENS;
  const details = isRecord(counts.completion_tokens_details) ? counts.completion_tokens_details : {};
  return {
    ...counts,
    completion_tokens: completion,
    total_tokens: total,
    completion_tokens_details: { ...details, reasoning_tokens: REASONING_TOKENS },
  };
}

/** Replaces `usage` wherever it is an object, in a completion or in stream chunks. */
export function mapUsage(chunk: JsonObject, map: (usage: JsonObject) => JsonObject): JsonObject {
  return isRecord(chunk.usage) ? { ...chunk, usage: map(chunk.usage) } : chunk;
}

export function placeStreamUsage(
  chunks: JsonObject[],
  request: JsonObject,
  mode: StreamUsage,
): JsonObject[] {
  if (mode === "openai" || (mode === "finish" && !usageRequested(request))) {
    return dropUnrequestedUsage(chunks, request);
  }

  const usage = chunks.find(isUsageChunk)?.usage;
  const kept = chunks.filter((chunk) => !isUsageChunk(chunk));
  return kept.map((chunk) => {
    if (isFinishChunk(chunk)) return { ...chunk, usage };
    // Mistral sends no `usage: null` placeholders.
    return mode === "always-finish" ? withoutUsage(chunk) : chunk;
  });
}

export function isFinishChunk(chunk: JsonObject): boolean {
  const finish = firstChoice(chunk)?.finish_reason;
  return finish !== null && finish !== undefined;
}

/** Joins a stream's tool-call deltas into one call: the opening delta with all arguments. */
function collectToolCall(chunks: JsonObject[]): JsonObject | undefined {
  let call: JsonObject | undefined;
  let args = "";
  for (const chunk of chunks) {
    const delta = firstChoice(chunk)?.delta;
    const calls = isRecord(delta) && Array.isArray(delta.tool_calls) ? delta.tool_calls : [];
    for (const piece of calls.filter(isRecord)) {
      if (piece.id !== undefined) call = { ...piece };
      const fn = isRecord(piece.function) ? piece.function : {};
      args += typeof fn.arguments === "string" ? fn.arguments : "";
    }
  }
  if (call === undefined) return undefined;

  const fn = isRecord(call.function) ? call.function : {};
  return { ...call, function: { ...fn, arguments: args } };
}

/** Removes tool-call deltas, dropping the chunks that carried nothing else. */
function withoutToolCalls(chunks: JsonObject[]): JsonObject[] {
  const result: JsonObject[] = [];
  for (const chunk of chunks) {
    const choice = firstChoice(chunk);
    if (!isRecord(choice?.delta) || choice.delta.tool_calls === undefined) {
      result.push(chunk);
      continue;
    }
    const delta = { ...choice.delta };
    delete delta.tool_calls;
    if (Object.keys(delta).length > 0) result.push({ ...chunk, choices: [{ ...choice, delta }] });
  }
  return result;
}

/** Reshapes a streamed tool call into `style`. `id` replaces the call's id when set. */
export function reshapeStreamedToolCall(
  chunks: JsonObject[],
  style: ToolCallStyle,
  id?: string,
): JsonObject[] {
  const call = collectToolCall(chunks);
  if (style === "openai" || call === undefined) return chunks;

  const rest = withoutToolCalls(chunks);
  if (style === "whole") {
    const whole = { ...call, ...(id === undefined ? {} : { id }) };
    const carrier = { ...rest[0]!, choices: [toolCallChoice(whole)] };
    return [rest[0]!, carrier, ...rest.slice(1)];
  }

  const bare = mistralToolCall(call, id);
  return rest.map((chunk) => {
    if (!isFinishChunk(chunk)) return chunk;
    const choice = firstChoice(chunk)!;
    return { ...chunk, choices: [{ ...choice, delta: { content: null, tool_calls: [bare] } }] };
  });
}

function toolCallChoice(call: JsonObject): JsonObject {
  return { index: 0, delta: { tool_calls: [call] }, logprobs: null, finish_reason: null };
}

/** Mistral's tool call: no `type` and no stream `index`. */
export function mistralToolCall(call: JsonObject, id?: string): JsonObject {
  const bare: JsonObject = { id: id ?? call.id, function: call.function };
  return bare;
}

/** Rewrites the tool calls of a `chat.completion` into Mistral's shape. */
export function mistralCompletionToolCalls(body: JsonObject, id: string): JsonObject {
  const choice = firstChoice(body);
  const message = isRecord(choice?.message) ? choice.message : undefined;
  if (message === undefined || !Array.isArray(message.tool_calls)) return body;

  const calls = message.tool_calls.filter(isRecord).map((call) => mistralToolCall(call, id));
  const reshaped: JsonObject = { ...message, tool_calls: calls };
  delete reshaped.content;
  return { ...body, choices: [{ ...choice, message: reshaped }] };
}
