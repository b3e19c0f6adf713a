/**
 * Claude on Vertex (`:rawPredict`, `:streamRawPredict`): the Messages API body with the model
 * in the URL instead of the body and `anthropic_version: "vertex-2023-10-16"` instead of the
 * `anthropic-version` header. These are checked here, and the Anthropic handler builds the
 * response.
 */

import { anthropicError } from "./anthropic-request.ts";
import { handleAnthropicMessages } from "./anthropic-messages.ts";
import { isRecord, type HandlerContext, type IncomingRequest } from "./incoming-request.ts";
import type { Payload } from "./payload.ts";
import { withRequest } from "./vertex-request.ts";

const VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16";

export function handleVertexClaude(
  incoming: IncomingRequest,
  context: HandlerContext,
  model: string,
): Payload {
  const body = isRecord(incoming.json) ? incoming.json : undefined;
  if (body === undefined) {
    return anthropicError(context, 400, "invalid_request_error", "expected a JSON object");
  }
  if (body.anthropic_version !== VERTEX_ANTHROPIC_VERSION) {
    const message = `anthropic_version: Input should be '${VERTEX_ANTHROPIC_VERSION}'`;
    return anthropicError(context, 400, "invalid_request_error", message);
  }
  if (body.model !== undefined) {
    return anthropicError(context, 400, "invalid_request_error",
      "model: Extra inputs are not permitted");
  }

  const { anthropic_version: _version, ...messages } = body;
  const headers = { "x-api-key": "vertex", "anthropic-version": "2023-06-01" };
  return handleAnthropicMessages(withRequest(incoming, headers, { ...messages, model }), context);
}
