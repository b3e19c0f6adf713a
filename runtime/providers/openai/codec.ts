import type { ProviderCodec } from "../codec.ts";
import { decodeChatResponse } from "./decode-chat-response.ts";
import { decodeChatStream } from "./decode-chat-stream.ts";
import { decodeError } from "./decode-error.ts";
import { decodeEmbeddingResponse, encodeEmbeddingRequest } from "./embeddings.ts";
import { encodeChatRequest } from "./encode-chat-request.ts";

/** The codec for OpenAI and for private endpoints that speak the OpenAI Chat Completions API. */
export const openaiCodec: ProviderCodec = {
  type: "openai",
  capabilities: { multipleChoices: true, embeddings: true },
  encodeChatRequest,
  decodeChatResponse,
  decodeChatStream,
  decodeError,
  encodeEmbeddingRequest,
  decodeEmbeddingResponse,
};
