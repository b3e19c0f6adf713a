/**
 * Chat responses of OpenAI-compatible APIs (Azure OpenAI and the compat providers), built from
 * the simulator's OpenAI response: `handleOpenAIChat` runs, its body is read back as objects,
 * the caller rewrites them into its provider's dialect, and they are framed again.
 */

import { isRecord, type HandlerContext, type IncomingRequest } from "./incoming-request.ts";
import { handleOpenAIChat } from "./openai-chat.ts";
import { jsonPayload, ssePayload, type Payload } from "./payload.ts";
import { frameEvent } from "./sse-framing.ts";

export type JsonObject = Record<string, unknown>;

/** How one provider's dialect differs from OpenAI's chat response. */
export interface ChatReshape {
  /** Rewrites a `chat.completion` object; `request` is the body the client sent. */
  completion(body: JsonObject, request: JsonObject, context: HandlerContext): JsonObject;
  /**
   * Rewrites the `chat.completion.chunk` objects of a stream. The list always ends with
   * OpenAI's usage chunk (empty `choices`), even when the client did not request usage, so
   * that providers that always send usage can move it. See `dropUnrequestedUsage`.
   */
  chunks(chunks: JsonObject[], request: JsonObject, context: HandlerContext): JsonObject[];
  /** Builds the headers of a successful response that used `tokens` tokens. */
  headers(context: HandlerContext, tokens: number): Headers;
}

const decoder = new TextDecoder();

/**
 * Builds OpenAI's response to `incoming`, reshaped. Errors of the OpenAI handler (bad JSON, a
 * missing field, a missing bearer token) pass through unchanged.
 */
export async function reshapedChat(
  incoming: IncomingRequest,
  context: HandlerContext,
  reshape: ChatReshape,
): Promise<Payload> {
  const request = isRecord(incoming.json) ? incoming.json : {};
  // Plain framing here, because the events are parsed back and framed again below.
  const plain = await handleOpenAIChat(withUsageRequested(incoming), { ids: context.ids });
  if (plain.status !== 200) return plain;

  if (!plain.streaming) {
    const body = JSON.parse(decoder.decode(plain.parts[0])) as JsonObject;
    const reshaped = reshape.completion(body, request, context);
    return jsonPayload(200, reshape.headers(context, totalTokens(reshaped.usage)), reshaped);
  }

  const chunks = reshape.chunks(parseEvents(plain.parts), request, context);
  const tokens = totalTokens(chunks.findLast((chunk) => isRecord(chunk.usage))?.usage);
  const events = chunks.map((chunk) => frameEvent(JSON.stringify(chunk), undefined, context.sseStyle));
  events.push(frameEvent("[DONE]", undefined, context.sseStyle));
  return ssePayload(reshape.headers(context, tokens), events);
}

/** Copies a streamed request with `stream_options.include_usage` set. */
function withUsageRequested(incoming: IncomingRequest): IncomingRequest {
  const body = incoming.json;
  if (!isRecord(body) || body.stream !== true) return incoming;

  const options = isRecord(body.stream_options) ? body.stream_options : {};
  const json = { ...body, stream_options: { ...options, include_usage: true } };
  return { ...incoming, json };
}

/** Reads `data: {…}` events, as `frameEvent` writes them without a style, into objects. */
function parseEvents(parts: Uint8Array[]): JsonObject[] {
  const chunks: JsonObject[] = [];
  for (const part of parts) {
    const data = decoder.decode(part).replace(/^data: /, "").trimEnd();
    if (data !== "[DONE]") chunks.push(JSON.parse(data) as JsonObject);
  }
  return chunks;
}

function totalTokens(usage: unknown): number {
  return isRecord(usage) && typeof usage.total_tokens === "number" ? usage.total_tokens : 0;
}

/** Returns whether the client requested the usage chunk of a stream. */
export function usageRequested(request: JsonObject): boolean {
  return isRecord(request.stream_options) && request.stream_options.include_usage === true;
}

/**
 * OpenAI's behaviour without `include_usage`: no usage chunk and no `usage: null` fields.
 * Returns the chunks unchanged when the client requested usage.
 */
export function dropUnrequestedUsage(chunks: JsonObject[], request: JsonObject): JsonObject[] {
  if (usageRequested(request)) return chunks;
  return chunks.filter((chunk) => !isUsageChunk(chunk)).map(withoutUsage);
}

/** Tells OpenAI's final `include_usage` chunk (usage and no choices) from the others. */
export function isUsageChunk(chunk: JsonObject): boolean {
  return Array.isArray(chunk.choices) && chunk.choices.length === 0 && isRecord(chunk.usage);
}

export function withoutUsage(chunk: JsonObject): JsonObject {
  const copy = { ...chunk };
  delete copy.usage;
  return copy;
}

/** Returns the first choice of a completion or chunk, or undefined when it has none. */
export function firstChoice(body: JsonObject): JsonObject | undefined {
  const choices = body.choices;
  return Array.isArray(choices) && isRecord(choices[0]) ? choices[0] : undefined;
}
