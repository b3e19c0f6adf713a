/** A request as the route handlers see it: read once, body parsed when it is JSON. */

import type { Provider, SseStyle } from "./behaviour.ts";
import type { IdSource } from "./ids.ts";

export interface IncomingRequest {
  provider: Provider;
  method: string;
  /** Path with query string, as received. */
  path: string;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when the body is empty or not JSON. */
  json: unknown;
  /** The JSON parser's message when the body is not empty and not JSON. */
  jsonError?: string;
}

/** A request as tests see it in `sim.requests`. */
export interface ReceivedRequest {
  provider: Provider;
  method: string;
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The parsed JSON body, or the raw text when the body is empty or not JSON. */
  body: unknown;
}

export function toReceived(incoming: IncomingRequest): ReceivedRequest {
  const headers: Record<string, string> = {};
  incoming.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return {
    provider: incoming.provider,
    method: incoming.method,
    path: incoming.path,
    headers,
    body: incoming.json === undefined ? incoming.text : incoming.json,
  };
}

export interface HandlerContext {
  ids: IdSource;
  sseStyle?: SseStyle;
}

export async function readIncoming(request: Request, provider: Provider): Promise<IncomingRequest> {
  const url = new URL(request.url);
  const text = await request.text();
  const incoming: IncomingRequest = {
    provider,
    method: request.method,
    path: url.pathname + url.search,
    headers: request.headers,
    text,
    json: undefined,
  };
  if (text === "") return incoming;

  try {
    incoming.json = JSON.parse(text);
  } catch (error) {
    incoming.jsonError = error instanceof Error ? error.message : String(error);
  }
  return incoming;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
