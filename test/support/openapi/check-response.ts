/**
 * Validates an HTTP response body against an operation's spec: the JSON 200 body, each SSE
 * event's data for a stream, or the error body for a 4xx or 5xx status.
 */

import type { Operation } from "./operations.ts";
import { parseSseEvents } from "./sse-events.ts";
import { specCheck } from "./validator.ts";

/** OpenAI Chat Completions ends its stream with this sentinel, which is not JSON. */
const DONE = "[DONE]";

export interface ResponseCheck {
  status: number;
  /** `sse` for any event stream, `error` for another body with a 4xx or 5xx status. */
  kind: "json" | "sse" | "error";
  /** How many JSON values were validated: 1 for a body, one per event for a stream. */
  validated: number;
  /** Problems, empty when conformant. In streams each is prefixed with its event. */
  errors: string[];
}

/** Reads `response`'s body (so it cannot be read again) and validates it. */
export async function checkResponse(
  operation: Operation,
  response: Response,
): Promise<ResponseCheck> {
  const text = await response.text();
  const contentType = response.headers.get("content-type") ?? "";
  return checkResponseText(operation, response.status, contentType, text);
}

/** Validates a body already read, for recorded traffic and for callers that keep the text. */
export async function checkResponseText(
  operation: Operation,
  status: number,
  contentType: string,
  text: string,
): Promise<ResponseCheck> {
  if (contentType.startsWith("text/event-stream")) {
    return { status, kind: "sse", ...(await checkStream(operation, text)) };
  }

  const kind = status >= 400 ? "error" : "json";
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const errors = [`$: the ${contentType || "untyped"} body is not JSON: ${text.slice(0, 80)}`];
    return { status, kind, validated: 0, errors };
  }
  const check = await specCheck(operation, kind === "error" ? "error" : "response");
  return { status, kind, validated: 1, errors: check(body).errors };
}

async function checkStream(
  operation: Operation,
  text: string,
): Promise<{ validated: number; errors: string[] }> {
  const check = await specCheck(operation, "stream-event");
  const errors: string[] = [];
  let validated = 0;
  for (const [index, event] of parseSseEvents(text).entries()) {
    if (event.data === DONE) continue;
    const label = `event ${index}${event.event === undefined ? "" : ` (${event.event})`}`;
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      errors.push(`${label}: data is not JSON: ${event.data.slice(0, 80)}`);
      continue;
    }
    validated += 1;
    for (const error of check(data).errors) errors.push(`${label}: ${error}`);
  }
  if (validated === 0) errors.push("the stream carried no JSON events");
  return { validated, errors };
}
