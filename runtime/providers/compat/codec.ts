import type { ChatChunk, ChatRequest, ChatResponse } from "../../canonical/chat.ts";
import type { DecodeContext, ProviderCodec, Target, UpstreamRequest } from "../codec.ts";
import { decodeChatResponse } from "../openai/decode-chat-response.ts";
import { decodeChatStream } from "../openai/decode-chat-stream.ts";
import { decodeError } from "../openai/decode-error.ts";
import { decodeEmbeddingResponse, encodeEmbeddingRequest } from "../openai/embeddings.ts";
import { encodeChatRequest } from "../openai/encode-chat-request.ts";
import { isRecord } from "../openai/is-record.ts";
import { mapContentThinking } from "./map-content-thinking.ts";
import { mapReasoning, renamesReasoning } from "./map-reasoning.ts";
import { mapReasoningParts } from "./map-reasoning-parts.ts";
import { mapRequest } from "./map-request.ts";
import { mapUsage } from "./map-usage.ts";
import type { CompatProfile } from "./profile.ts";

/**
 * Builds the codec of an OpenAI-compatible provider: the OpenAI codec, with the request fitted
 * to the profile on encode and its reasoning and usage fields mapped to the canonical ones on
 * decode. Errors decode as OpenAI errors.
 */
export function compatCodec(profile: CompatProfile): ProviderCodec {
  const codec: ProviderCodec = {
    type: profile.type,
    capabilities: { multipleChoices: profile.supportsN, embeddings: profile.embeddings },
    unhonouredChatParams: (request) => droppedByProfile(request, profile),
    encodeChatRequest: (request, target) => encodeCompatRequest(request, target, profile),
    decodeChatResponse: (body, context) => decodeCompatResponse(body, context, profile),
    decodeChatStream: (body, context) => decodeCompatStream(body, context, profile),
    decodeError,
  };
  if (profile.embeddings) {
    codec.encodeEmbeddingRequest = encodeEmbeddingRequest;
    codec.decodeEmbeddingResponse = decodeEmbeddingResponse;
  }
  return codec;
}

/** The request's fields that the profile removes, in the order the client sent them. */
function droppedByProfile(request: ChatRequest, profile: CompatProfile): string[] {
  const removed = new Set(profile.dropParams);
  return Object.keys(request).filter(
    (field) => removed.has(field) && request[field] !== undefined && request[field] !== null,
  );
}

function encodeCompatRequest(
  request: ChatRequest,
  target: Target,
  profile: CompatProfile,
): UpstreamRequest {
  const askStreamUsage = profile.streamUsageUnasked !== true;
  return encodeChatRequest(mapRequest(request, profile), target, { askStreamUsage });
}

function decodeCompatResponse(
  body: unknown,
  context: DecodeContext,
  profile: CompatProfile,
): ChatResponse {
  const response = decodeChatResponse(body, context);
  const choices = response.choices.map((choice) => {
    if (!mapsReasoning(profile) || !isRecord(choice.message)) return choice;
    return { ...choice, message: mapReasoningFields(choice.message, profile, "message") };
  }) as ChatResponse["choices"];

  const mapped: ChatResponse = { ...response, choices };
  if (isRecord(response.usage)) mapped.usage = mapUsage(response.usage, profile);
  return mapped;
}

async function* decodeCompatStream(
  body: ReadableStream<Uint8Array>,
  context: DecodeContext,
  profile: CompatProfile,
): AsyncGenerator<ChatChunk> {
  for await (const chunk of decodeChatStream(body, context)) {
    yield mapChunk(chunk, profile);
  }
}

function mapChunk(chunk: ChatChunk, profile: CompatProfile): ChatChunk {
  let mapped = chunk;
  if (mapsReasoning(profile)) {
    const choices = chunk.choices.map((choice) => {
      if (!isRecord(choice.delta)) return choice;
      return { ...choice, delta: mapReasoningFields(choice.delta, profile, "delta") };
    });
    mapped = { ...mapped, choices };
  }

  if (isRecord(chunk.usage)) mapped = { ...mapped, usage: mapUsage(chunk.usage, profile) };
  return mapped;
}

function mapsReasoning(profile: CompatProfile): boolean {
  return renamesReasoning(profile) || profile.reasoningPartsField !== undefined ||
    profile.contentThinkingParts === true;
}

function mapReasoningFields<T extends Record<string, unknown>>(
  part: T,
  profile: CompatProfile,
  kind: "message" | "delta",
): T {
  const split = profile.contentThinkingParts === true ? mapContentThinking(part, kind) : part;
  return mapReasoningParts(mapReasoning(split, profile), profile);
}
