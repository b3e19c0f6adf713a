/**
 * The Gemini API (Generative Language API) codec: OpenAI Chat Completions requests in, Gemini
 * `generateContent` and `streamGenerateContent` on the wire, Chat Completions responses out,
 * and embeddings through `batchEmbedContents`.
 */

import { GEMINI_CHAT_PARAMS, unhonouredParams } from "../chat-params.ts";
import type { ProviderCodec } from "../codec.ts";
import { decodeError } from "./decode-error.ts";
import { decodeChatResponse } from "./decode-response.ts";
import { decodeChatStream } from "./decode-stream.ts";
import { decodeEmbeddingResponse, encodeEmbeddingRequest } from "./embeddings.ts";
import { encodeChatRequest } from "./encode-request.ts";

export const geminiCodec: ProviderCodec = {
  type: "gemini",
  capabilities: { multipleChoices: true, embeddings: true },
  unhonouredChatParams: (request) => unhonouredParams(request, GEMINI_CHAT_PARAMS),
  encodeChatRequest,
  decodeChatResponse,
  decodeChatStream,
  decodeError,
  encodeEmbeddingRequest,
  decodeEmbeddingResponse,
};
