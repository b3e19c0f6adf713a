/**
 * The Voyage AI codec: OpenAI embeddings requests in, Voyage `/v1/embeddings` on the wire,
 * OpenAI embeddings responses out. Voyage has no chat API, so chat requests are rejected.
 */

import type { ProviderCodec } from "../codec.ts";
import { decodeChatResponse, decodeChatStream, encodeChatRequest } from "./chat-unsupported.ts";
import { decodeEmbeddingResponse } from "./decode-embeddings.ts";
import { decodeError } from "./decode-error.ts";
import { encodeEmbeddingRequest } from "./encode-embeddings.ts";

export const voyageCodec: ProviderCodec = {
  type: "voyage",
  capabilities: { multipleChoices: false, embeddings: true },
  encodeChatRequest,
  decodeChatResponse,
  decodeChatStream,
  decodeError,
  encodeEmbeddingRequest,
  decodeEmbeddingResponse,
};
