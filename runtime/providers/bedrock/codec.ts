/**
 * The Amazon Bedrock Runtime codec: OpenAI Chat Completions requests in, Bedrock `Converse`
 * and `ConverseStream` on the wire (authenticated by SigV4 or a Bedrock API key), Chat
 * Completions responses out.
 */

import { bedrockChatParams, unhonouredParams } from "../chat-params.ts";
import type { ProviderCodec } from "../codec.ts";
import { decodeError } from "./decode-error.ts";
import { decodeChatResponse } from "./decode-response.ts";
import { decodeChatStream } from "./decode-stream.ts";
import { encodeChatRequest } from "./encode-request.ts";
import { send } from "./send.ts";
import { isAnthropicModel } from "./thinking.ts";

export const bedrockCodec: ProviderCodec = {
  type: "bedrock",
  capabilities: { multipleChoices: false, embeddings: false },
  unhonouredChatParams: (request, target) =>
    unhonouredParams(request, bedrockChatParams(isAnthropicModel(target.upstreamModel))),
  encodeChatRequest,
  decodeChatResponse,
  decodeChatStream,
  decodeError,
  send,
};
