/**
 * What the simulator needs to know of each provider it speaks. Adding a provider means one
 * module that builds a SimulatedProvider and one line in `simulated-providers.ts`.
 */

import type { HandlerContext, IncomingRequest } from "./incoming-request.ts";
import type { Payload } from "./payload.ts";

export type Handler = (incoming: IncomingRequest, context: HandlerContext) => Payload | Promise<Payload>;

export interface SimulatedProvider {
  /** The path prefix it serves, with both slashes: `/anthropic/`. */
  prefix: string;
  /** The handler for a method and path (query string removed), or undefined when none. */
  route(method: string, pathname: string): Handler | undefined;
  /** The request id an error body carries (null when the provider puts none in it), and the
   *  headers of every response. */
  responseHeaders(context: HandlerContext): { requestId: string | null; headers: Headers };
  /** The provider's error body for an HTTP status. */
  errorBody(status: number, requestId: string | null): unknown;
  /** Headers that name the error of an HTTP status (Bedrock's `x-amzn-errortype`). */
  errorHeaders?(status: number): Record<string, string>;
  /** The provider's own answer to a path it does not serve. */
  notFound(incoming: IncomingRequest, context: HandlerContext): Payload;
}

/** Looks a handler up in a table keyed by `METHOD /path`. */
export function tableRoute(
  routes: Record<string, Handler>,
): (method: string, pathname: string) => Handler | undefined {
  return (method, pathname) => routes[`${method} ${pathname}`];
}
