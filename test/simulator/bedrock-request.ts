/**
 * What the simulated Bedrock Runtime shares between its routes: the model and operation in
 * `/model/{modelId}/converse[-stream]`, response headers, and errors in Bedrock's shape. A
 * Bedrock error is JSON `{"message": …}`; the exception name travels in the
 * `x-amzn-errortype` header, followed by a namespace after a colon.
 */

import type { HandlerContext } from "./incoming-request.ts";
import { jsonPayload, type Payload } from "./payload.ts";

const MODEL_OPERATION = /^\/bedrock\/model\/([^/]+)\/(converse|converse-stream)$/;

/** The namespace Bedrock appends to the exception name in `x-amzn-errortype`. */
const ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.bedrock/";

export interface BedrockTarget {
  /** The model id, percent-decoded (`anthropic.claude-3-5-haiku-20241022-v1:0`). */
  model: string;
  stream: boolean;
}

export function parseBedrockPath(pathname: string): BedrockTarget | undefined {
  const match = MODEL_OPERATION.exec(pathname);
  if (match === null) return undefined;
  try {
    return { model: decodeURIComponent(match[1]!), stream: match[2] === "converse-stream" };
  } catch {
    return undefined;
  }
}

export function bedrockHeaders(context: HandlerContext): Headers {
  return new Headers({ "x-amzn-requestid": context.ids.cohereUuid() });
}

/** Bedrock's exception names and messages for the HTTP statuses its Runtime API returns. */
const ERROR_BY_STATUS: Record<number, [string, string]> = {
  400: ["ValidationException", "Malformed input request, please reformat your input and try again."],
  403: ["AccessDeniedException", "You don't have access to the model with the specified model ID."],
  404: ["ResourceNotFoundException", "Could not resolve the foundation model from the provided model identifier."],
  408: ["ModelTimeoutException", "Model has timed out in processing the request."],
  424: ["ModelErrorException", "The model returned an error while processing the request."],
  429: ["ThrottlingException", "Too many requests, please wait before trying again."],
  500: ["InternalServerException", "The server encountered an internal error while processing the request."],
  503: ["ServiceUnavailableException", "Bedrock is unable to process your request."],
};

/** Returns the exception name and body Bedrock sends for a status (else a server error). */
export function bedrockErrorFor(status: number): { type: string; body: { message: string } } {
  const fallback = status >= 500 ? ERROR_BY_STATUS[500]! : ERROR_BY_STATUS[400]!;
  const [type, message] = ERROR_BY_STATUS[status] ?? fallback;
  return { type, body: { message } };
}

/** Returns the `x-amzn-errortype` header for an exception name. */
export function errorTypeHeader(type: string): Record<string, string> {
  return { "x-amzn-errortype": `${type}:${ERROR_NAMESPACE}` };
}

export function bedrockError(
  status: number,
  type: string,
  message: string,
  context: HandlerContext,
): Payload {
  const headers = bedrockHeaders(context);
  for (const [name, value] of Object.entries(errorTypeHeader(type))) headers.set(name, value);
  return jsonPayload(status, headers, { message });
}
