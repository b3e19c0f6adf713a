import type { RequestRecord } from "../request-record.ts";

/** Builds the record's headers plus `request-id`, where the Anthropic SDK reads the id. */
export function messagesHeaders(record: RequestRecord): Record<string, string> {
  return { ...record.responseHeaders(), "request-id": record.requestId };
}

/** Headers of an Anthropic event stream response. */
export function messagesStreamHeaders(record: RequestRecord): Record<string, string> {
  return {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    ...messagesHeaders(record),
  };
}
