/**
 * Checks a Cohere v2 request the way the API does before any work: a bearer token in
 * `Authorization`, then a JSON object body with the required fields. Failures come back in
 * Cohere's `{"id","message"}` error shape.
 */

import { isRecord, type HandlerContext, type IncomingRequest } from "./incoming-request.ts";
import { jsonPayload, type Payload } from "./payload.ts";
import { cohereErrorBody } from "./provider-errors.ts";

/** Headers of Cohere's responses, with fake values; the trace id doubles as request id. */
export function cohereHeaders(traceId: string): Headers {
  return new Headers({
    "x-debug-trace-id": traceId,
    "x-endpoint-monthly-call-limit": "1000",
    "x-trial-endpoint-call-limit": "40",
    "x-trial-endpoint-call-remaining": "39",
    vary: "Origin",
  });
}

export function cohereError(context: HandlerContext, status: number, message: string): Payload {
  const id = context.ids.cohereUuid();
  return jsonPayload(status, cohereHeaders(id), cohereErrorBody(message, id));
}

/** Returns the body, or the error payload for a missing token, bad JSON or missing field. */
export function checkCohereBody(
  incoming: IncomingRequest,
  context: HandlerContext,
  required: string[],
): Record<string, unknown> | Payload {
  const authorization = incoming.headers.get("authorization") ?? "";
  if (/^Bearer\s+\S+/i.exec(authorization) === null) {
    return cohereError(context, 401, "no api key supplied");
  }

  if (incoming.jsonError !== undefined || !isRecord(incoming.json)) {
    const reason = incoming.jsonError ?? "expected a JSON object";
    return cohereError(context, 400, `invalid request: could not parse the body (${reason})`);
  }
  for (const field of required) {
    if (incoming.json[field] === undefined) {
      return cohereError(context, 400, `invalid request: ${field} must not be empty`);
    }
  }
  return incoming.json;
}
