/**
 * Checks an Anthropic Messages request the way the API does before any generation. It needs
 * a key in `x-api-key` or as an `Authorization` bearer token, which the Anthropic TypeScript
 * SDK 1.17 sends. Then it needs `anthropic-version` and a JSON body with `model`, `messages`
 * and `max_tokens`. Failures come back as the API's error payloads.
 */

import { isRecord, type HandlerContext, type IncomingRequest } from "./incoming-request.ts";
import { jsonPayload, type Payload } from "./payload.ts";
import { anthropicErrorBody, type AnthropicErrorType } from "./provider-errors.ts";
import { anthropicHeaders } from "./provider-headers.ts";

export interface AnthropicRequest {
  model: string;
  messages: Record<string, unknown>[];
  max_tokens: number;
  system?: unknown;
  tools?: unknown[];
  tool_choice?: unknown;
  thinking?: unknown;
  stream?: boolean;
}

export function anthropicError(
  context: HandlerContext,
  status: number,
  type: AnthropicErrorType,
  message: string,
): Payload {
  const requestId = context.ids.anthropicRequest();
  const body = anthropicErrorBody(type, message, requestId);
  return jsonPayload(status, anthropicHeaders(requestId), body);
}

/** Returns the parsed request, or the error payload the API would send. */
export function checkAnthropicRequest(
  incoming: IncomingRequest,
  context: HandlerContext,
): AnthropicRequest | Payload {
  const bearer = /^Bearer\s+\S+/i.test(incoming.headers.get("authorization") ?? "");
  if (!incoming.headers.get("x-api-key") && !bearer) {
    return anthropicError(context, 401, "authentication_error", "x-api-key header is required");
  }
  if (!incoming.headers.get("anthropic-version")) {
    const message = "anthropic-version: header is required";
    return anthropicError(context, 400, "invalid_request_error", message);
  }
  if (incoming.jsonError !== undefined || !isRecord(incoming.json)) {
    const reason = incoming.jsonError ?? "expected a JSON object";
    const message = `The request body is not valid JSON: ${reason}`;
    return anthropicError(context, 400, "invalid_request_error", message);
  }

  const problem = findBodyProblem(incoming.json);
  if (problem !== undefined) {
    return anthropicError(context, 400, "invalid_request_error", problem);
  }
  return incoming.json as unknown as AnthropicRequest;
}

/** Returns the first problem, worded as the API words it: `max_tokens: Field required`. */
function findBodyProblem(body: Record<string, unknown>): string | undefined {
  for (const field of ["model", "messages", "max_tokens"]) {
    if (body[field] === undefined) return `${field}: Field required`;
  }
  if (typeof body.model !== "string") return "model: Input should be a valid string";
  if (!Array.isArray(body.messages) || !body.messages.every(isRecord)) {
    return "messages: Input should be a valid list of message objects";
  }
  if (body.messages.length === 0) return "messages: at least one message is required";
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) {
    return "max_tokens: Input should be an integer greater than or equal to 1";
  }
  if (body.stream !== undefined && typeof body.stream !== "boolean") {
    return "stream: Input should be a valid boolean";
  }
  return undefined;
}
