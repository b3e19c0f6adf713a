/** One write to the shared semantic entries, as the change log records it. */
export interface SemanticChange {
  /** `put` added or replaced the entry, `delete` removed it. */
  op: "put" | "delete";
  scope: string;
  /** Entry id, the exact store key of its cached response. */
  id: string;
  /** Id of the store instance (one per gateway node) that made the change. */
  origin: string;
}

/** Changes after a position of the log, and the position to continue from. */
export interface SemanticChangeBatch {
  changes: SemanticChange[];
  /** Position of the last change returned, or the given one when none was. */
  cursor: string;
  /**
   * True when the log was trimmed past the given position, so changes may have been lost and
   * the reader should reload every live entry.
   */
  gap: boolean;
}

/**
 * The ordered log of writes to a shared `SemanticEntryStore`, which lets a running node add
 * the entries that other nodes store. Positions are opaque strings that grow with time.
 */
export interface SemanticChangeLog {
  /** Returns the position of the newest change, for `readChanges` to continue after it. */
  changeCursor(): Promise<string>;
  /** Returns at most `limit` changes after `after`, oldest first. */
  readChanges(after: string, limit: number): Promise<SemanticChangeBatch>;
}
