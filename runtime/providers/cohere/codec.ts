/**
 * The Cohere v2 codec: OpenAI Chat Completions requests in, Cohere `/v2/chat` on the wire,
 * Chat Completions responses out; OpenAI embeddings through `/v2/embed`.
 */

import { COHERE_CHAT_PARAMS, unhonouredParams } from "../chat-params.ts";
import type { ProviderCodec } from "../codec.ts";
import { decodeError } from "./decode-error.ts";
import { decodeChatResponse } from "./decode-response.ts";
import { decodeChatStream } from "./decode-stream.ts";
import { decodeEmbeddingResponse, encodeEmbeddingRequest } from "./embeddings.ts";
import { encodeChatRequest } from "./encode-request.ts";

export const cohereCodec: ProviderCodec = {
  type: "cohere",
  capabilities: { multipleChoices: false, embeddings: true },
  unhonouredChatParams: (request) => unhonouredParams(request, COHERE_CHAT_PARAMS),
  encodeChatRequest,
  decodeChatResponse,
  decodeChatStream,
  decodeError,
  encodeEmbeddingRequest,
  decodeEmbeddingResponse,
};
