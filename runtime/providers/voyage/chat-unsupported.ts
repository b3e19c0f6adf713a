/**
 * Chat entry points of the Voyage codec. Voyage has no chat API, so each one raises
 * `unsupported_parameter` (400) before any request leaves the gateway.
 */

import type { ChatChunk, ChatResponse } from "../../canonical/chat.ts";
import type { UpstreamRequest } from "../codec.ts";
import { embeddingsOnly } from "./request-errors.ts";

export function encodeChatRequest(): UpstreamRequest {
  throw embeddingsOnly();
}

export function decodeChatResponse(): ChatResponse {
  throw embeddingsOnly();
}

/** Raises on the first read, because the codec contract has stream iterators fail there. */
export async function* decodeChatStream(): AsyncGenerator<ChatChunk> {
  throw embeddingsOnly();
}
