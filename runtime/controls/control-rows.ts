import type { EngageInput, LiftInput } from "./control-store.ts";
import type {
  ControlAuditEntry, ControlName, ControlTier, EngagedControl,
} from "./types.ts";

/**
 * A `control_switches` row as a driver returns it. PostgreSQL's driver returns BIGINT columns
 * as strings and SQLite's as numbers, so the times are converted on the way out.
 */
export interface ControlRow {
  control: ControlName;
  tier: ControlTier;
  target: string;
  reason: string;
  actor: string;
  engaged_at: number | string;
  expires_at: number | string | null;
}

/** A `control_audit` row as a driver returns it (see `ControlRow` for the times). */
export interface AuditRow {
  id: number | string;
  time: number | string;
  actor: string;
  action: "engage" | "lift";
  control: ControlName;
  tier: ControlTier;
  target: string;
  reason: string | null;
  expires_at: number | string | null;
}

/** One audit log entry before it is written: an engage or lift at `time`. */
export interface AuditDraft extends Omit<EngagedControl, "engagedAt" | "reason"> {
  action: "engage" | "lift";
  reason: string | null;
  time: number;
}

/** Builds the control an engage stores, stamped at `now`. */
export function engagedFrom(input: EngageInput, now: number): EngagedControl {
  return {
    control: input.control,
    tier: input.scope.tier,
    target: input.scope.target,
    reason: input.reason,
    actor: input.actor,
    engagedAt: now,
    expiresAt: input.expiresAt ?? null,
  };
}

/** Builds the audit entry of a lift. A lift clears any expiry, so the entry has none. */
export function liftAudit(input: LiftInput, now: number): AuditDraft {
  return {
    action: "lift",
    control: input.control,
    tier: input.scope.tier,
    target: input.scope.target,
    reason: input.reason ?? null,
    actor: input.actor,
    expiresAt: null,
    time: now,
  };
}

/** Builds the audit entry of an engage. */
export function engageAudit(engaged: EngagedControl): AuditDraft {
  return { ...engaged, action: "engage", time: engaged.engagedAt };
}

export function controlFromRow(row: ControlRow): EngagedControl {
  return {
    control: row.control,
    tier: row.tier,
    target: row.target,
    reason: row.reason,
    actor: row.actor,
    engagedAt: Number(row.engaged_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  };
}

export function auditFromRow(row: AuditRow): ControlAuditEntry {
  return {
    id: Number(row.id),
    time: Number(row.time),
    actor: row.actor,
    action: row.action,
    control: row.control,
    tier: row.tier,
    target: row.target,
    reason: row.reason,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  };
}

/** Returns the controls of a snapshot that are still in force at `now`. */
export function inForce(controls: readonly EngagedControl[], now: number): EngagedControl[] {
  return controls.filter((control) => control.expiresAt === null || control.expiresAt > now);
}
