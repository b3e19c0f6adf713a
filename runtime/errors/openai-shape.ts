import type { NexusError } from "./nexus-error.ts";

/** The OpenAI error body: `{ error: { message, type, param, code } }`. */
export interface OpenAIErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string;
    request_id?: string;
  };
}

export function toOpenAIErrorBody(error: NexusError, requestId: string): OpenAIErrorBody {
  return {
    error: {
      message: error.message,
      type: error.type,
      param: error.param,
      code: error.code,
      request_id: requestId,
    },
  };
}

/** Renders a NexusError as an HTTP response in the OpenAI error shape. */
export function openAIErrorResponse(
  error: NexusError,
  requestId: string,
  extraHeaders: Record<string, string> = {},
): Response {
  const headers = new Headers({
    ...extraHeaders,
    "content-type": "application/json",
    "x-request-id": requestId,
  });
  if (error.retryAfter !== null) headers.set("retry-after", error.retryAfter);
  return new Response(JSON.stringify(toOpenAIErrorBody(error, requestId)), {
    status: error.status,
    headers,
  });
}
