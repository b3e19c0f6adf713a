import type { ChatRequest } from "../../canonical/chat.ts";
import type { Target, UpstreamRequest } from "../codec.ts";
import { buildUpstreamRequest } from "./upstream-request.ts";

/**
 * Encodes a canonical request for `/chat/completions`. The canonical shape is the OpenAI shape,
 * so only `model` changes and unknown fields pass through. A streamed request always requests
 * usage, because the gateway settles quota and writes its audit from the final usage chunk even
 * when the client did not set `stream_options.include_usage`.
 */
export function encodeChatRequest(
  request: ChatRequest,
  target: Target,
  options: { askStreamUsage: boolean } = { askStreamUsage: true },
): UpstreamRequest {
  const body: ChatRequest = { ...request, model: target.upstreamModel };
  if (request.stream === true && options.askStreamUsage) {
    body.stream_options = { ...request.stream_options, include_usage: true };
  } else {
    delete body.stream_options;
  }
  return buildUpstreamRequest(target, "/chat/completions", body);
}
