import type { InlineBodies } from "./capture-record.ts";
import type { SpillTarget } from "./capture-writer.ts";
import type { EventStore } from "./traffic-event.ts";

export interface PruneResult {
  /** Events whose bodies were deleted. The events themselves stay. */
  events: number;
  /** Spill files (or spilled bodies in PostgreSQL) deleted, including ones no event refers to. */
  files: number;
}

/**
 * Storage of captured bodies: the inline part in the event row, the rest in spill files
 * (embedded store) or spill rows (PostgreSQL). `nexus events show`, `events prune`
 * and the gateway's retention job use only this interface, so they work on both stores.
 */
export interface CaptureStore {
  /** Receives the part of each body past the inline limit while the gateway captures it. */
  readonly spill: SpillTarget;
  /** Returns the inline parts stored in the event's row, or null when the row is missing. */
  readInline(requestId: string): Promise<InlineBodies | null>;
  /** Returns the bytes of a committed spill, or null when it is missing. */
  readSpill(name: string): Promise<Uint8Array | null>;
  /**
   * Deletes the bodies of events that arrived before `cutoff` (epoch ms) and marks their
   * capture metadata as pruned. The events stay. Safe to run from two processes at once.
   */
  prune(cutoff: number): Promise<PruneResult>;
}

/** An event store that keeps captured bodies itself (PostgreSQL). */
interface WithCaptureStore {
  readonly captures: CaptureStore;
}

/**
 * Returns the capture store that an event store carries, or null for a store whose bodies live
 * elsewhere (the embedded store, whose spill folder comes from the config).
 */
export function captureStoreOf(events: EventStore): CaptureStore | null {
  return "captures" in events ? (events as EventStore & WithCaptureStore).captures : null;
}
