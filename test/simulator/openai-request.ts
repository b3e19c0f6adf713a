/**
 * Checks an OpenAI request the way the API does before any work: a bearer token in
 * `Authorization`, then (for POST routes) a JSON object body with the required fields.
 * Failures come back as the API's error payloads.
 */

import { isRecord, type HandlerContext, type IncomingRequest } from "./incoming-request.ts";
import { jsonPayload, type Payload } from "./payload.ts";
import { openaiErrorBody } from "./provider-errors.ts";
import { openaiHeaders } from "./provider-headers.ts";

export function openaiError(
  context: HandlerContext,
  status: number,
  message: string,
  param: string | null = null,
  code: string | null = null,
): Payload {
  const headers = openaiHeaders(context.ids.openaiRequest());
  const body = openaiErrorBody(message, "invalid_request_error", param, code);
  return jsonPayload(status, headers, body);
}

/** Returns an error payload when the bearer token is missing, else undefined. */
export function checkOpenAIAuth(
  incoming: IncomingRequest,
  context: HandlerContext,
): Payload | undefined {
  const authorization = incoming.headers.get("authorization") ?? "";
  const token = /^Bearer\s+(\S+)/i.exec(authorization)?.[1];
  if (token !== undefined) return undefined;

  const message =
    "Missing API key: send it in the Authorization header as `Bearer <key>`.";
  return openaiError(context, 401, message);
}

/** Returns the body, or the error payload for bad JSON or a missing required field. */
export function checkOpenAIBody(
  incoming: IncomingRequest,
  context: HandlerContext,
  required: string[],
): Record<string, unknown> | Payload {
  const authError = checkOpenAIAuth(incoming, context);
  if (authError !== undefined) return authError;

  if (incoming.jsonError !== undefined || !isRecord(incoming.json)) {
    const reason = incoming.jsonError ?? "expected a JSON object";
    const message = `The request body could not be parsed as JSON (${reason}).`;
    return openaiError(context, 400, message);
  }
  for (const field of required) {
    if (incoming.json[field] === undefined) {
      const message = `Missing required parameter: '${field}'.`;
      return openaiError(context, 400, message, field, "missing_required_parameter");
    }
  }
  return incoming.json;
}

/** Tells an error payload from a parsed body. */
export function isPayload(value: Record<string, unknown> | Payload): value is Payload {
  return value.headers instanceof Headers && Array.isArray(value.parts);
}
