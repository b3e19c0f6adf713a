/**
 * The Vertex AI codec: OpenAI Chat Completions requests in; Gemini models (publisher
 * `google`) and Claude models (publisher `anthropic`) on the wire, each in its own API's body
 * format; Chat Completions responses out; embeddings through `:predict`. Every request carries
 * an OAuth access token, which the codec's transport mints from a service account.
 *
 * `multipleChoices` is true because one codec object serves both publishers: Gemini honours
 * `n` through `candidateCount`, and for Claude models the Anthropic encoder rejects `n > 1`
 * with `unsupported_parameter`.
 */

import { ANTHROPIC_CHAT_PARAMS, GEMINI_CHAT_PARAMS, unhonouredParams } from "../chat-params.ts";
import type { ProviderCodec } from "../codec.ts";
import { decodeError } from "./decode-error.ts";
import { decodeChatResponse } from "./decode-response.ts";
import { decodeChatStream } from "./decode-stream.ts";
import { decodeEmbeddingResponse, encodeEmbeddingRequest } from "./embeddings.ts";
import { encodeChatRequest } from "./encode-request.ts";
import { publisherOf } from "./model-url.ts";
import { createVertexSend } from "./send.ts";
import { AccessTokenCache } from "./token-cache.ts";

/** Builds a codec with its own token cache; tests pass a cache with a clock they control. */
export function createVertexCodec(tokens: AccessTokenCache = new AccessTokenCache()) {
  const codec: ProviderCodec = {
    type: "vertex",
    capabilities: { multipleChoices: true, embeddings: true },
    unhonouredChatParams: (request, target) => {
      const claude = publisherOf(target.upstreamModel) === "anthropic";
      return unhonouredParams(request, claude ? ANTHROPIC_CHAT_PARAMS : GEMINI_CHAT_PARAMS);
    },
    encodeChatRequest,
    decodeChatResponse,
    decodeChatStream,
    send: createVertexSend(tokens),
    decodeError,
    encodeEmbeddingRequest,
    decodeEmbeddingResponse,
  };
  return codec;
}

export const vertexCodec: ProviderCodec = createVertexCodec();
