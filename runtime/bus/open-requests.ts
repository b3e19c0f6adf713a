import type { RequestStart } from "./request-start.ts";

/**
 * Requests that started and have no final event yet, kept in the event store's database so
 * they outlive a writer restart. Every method is idempotent, because a batch may be
 * redelivered and several writers may work at once.
 */
export interface OpenRequestStore {
  /**
   * Keeps the start records whose request has no stored event yet; one already kept is
   * skipped. Resolves to how many were new.
   */
  open(starts: readonly RequestStart[]): Promise<number>;
  /** Deletes the entries of requests whose final (or lost) event is committed. */
  close(requestIds: readonly string[]): Promise<void>;
  /**
   * Deletes every entry whose event is stored already (a start that arrived after its final),
   * then returns up to `limit` entries, oldest first.
   */
  list(limit: number): Promise<RequestStart[]>;
}
