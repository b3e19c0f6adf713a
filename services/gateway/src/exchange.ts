import type { RequestIds } from "./request-id.ts";

/** Request context a route handler gets from the HTTP layer besides the request. */
export interface Exchange {
  ids: RequestIds;
  /** The address of the connection's peer (a client or a proxy), or null when unknown. */
  peer: string | null;
  /**
   * Lifts the server's idle timeout for this connection. Handlers call it only once the client
   * is authenticated and its body is read, because an LLM answer can stay silent for minutes
   * while a slow or unauthenticated client must not hold a connection.
   */
  holdOpen(): void;
}
