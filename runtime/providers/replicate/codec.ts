/**
 * The Replicate codec: OpenAI Chat Completions requests in, a Replicate prediction on the
 * wire (created, then polled or streamed by `send`), Chat Completions responses out.
 */

import { REPLICATE_CHAT_PARAMS, unhonouredParams } from "../chat-params.ts";
import type { ProviderCodec } from "../codec.ts";
import { decodeError } from "./decode-error.ts";
import { decodeChatResponse } from "./decode-response.ts";
import { decodeChatStream } from "./decode-stream.ts";
import { encodeChatRequest } from "./encode-request.ts";
import { sendPrediction } from "./send.ts";

export const replicateCodec: ProviderCodec = {
  type: "replicate",
  capabilities: { multipleChoices: false, embeddings: false },
  unhonouredChatParams: (request) => unhonouredParams(request, REPLICATE_CHAT_PARAMS),
  encodeChatRequest,
  decodeChatResponse,
  decodeChatStream,
  send: sendPrediction,
  decodeError,
};
