/**
 * The Anthropic Messages API codec: OpenAI Chat Completions requests in, Anthropic
 * `/v1/messages` on the wire, Chat Completions responses out. Anthropic has no embeddings API, so
 * the embedding methods are absent.
 */

import { ANTHROPIC_CHAT_PARAMS, unhonouredParams } from "../chat-params.ts";
import type { ProviderCodec } from "../codec.ts";
import { decodeError } from "./decode-error.ts";
import { decodeChatResponse } from "./decode-response.ts";
import { decodeChatStream } from "./decode-stream.ts";
import { encodeChatRequest } from "./encode-request.ts";

export const anthropicCodec: ProviderCodec = {
  type: "anthropic",
  capabilities: { multipleChoices: false, embeddings: false },
  unhonouredChatParams: (request) => unhonouredParams(request, ANTHROPIC_CHAT_PARAMS),
  encodeChatRequest,
  decodeChatResponse,
  decodeChatStream,
  decodeError,
};
