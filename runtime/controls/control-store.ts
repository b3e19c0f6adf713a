import type {
  ControlAuditEntry, ControlName, ControlScope, EngagedControl,
} from "./types.ts";

export interface EngageInput {
  control: ControlName;
  scope: ControlScope;
  reason: string;
  actor: string;
  expiresAt?: number | null;
  now?: number;
}

export interface LiftInput {
  control: ControlName;
  scope: ControlScope;
  actor: string;
  reason?: string | null;
  now?: number;
}

/**
 * The kill switches and passthrough flags, with the append-only audit log of every change;
 * the embedded and production stores both implement it. Writes and lists are async because
 * the production store is reached over the network. `engaged` runs on every request, so it
 * reads an in-memory snapshot that `refresh` reloads.
 */
export interface ControlStore {
  /** Engages a control, or replaces the reason, actor and expiry of one already engaged. */
  engage(input: EngageInput): Promise<EngagedControl>;
  /** Lifts a control; resolves to false, and audits nothing, when it was not engaged. */
  lift(input: LiftInput): Promise<boolean>;
  /** Reads every stored control from the store, expired ones included, oldest first. */
  list(): Promise<EngagedControl[]>;
  /** Reads the audit log, newest first. */
  audit(limit: number): Promise<ControlAuditEntry[]>;
  /** Returns the controls in force at `now` from the in-memory snapshot. */
  engaged(now?: number): EngagedControl[];
  /**
   * Reloads the snapshot when the stored controls may have changed, and resolves to whether
   * they differ from the snapshot. Call it when another node or process signals a change.
   */
  refresh(): Promise<boolean>;
}
