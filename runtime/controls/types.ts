/** The emergency controls an operator can engage: the kill switch and the passthrough flags. */
export type ControlName = "kill" | "bypassHooks" | "bypassCache" | "bypassNormalize";

/** The passthrough flags, in the order the CLI and the traffic event list them. */
export const PASSTHROUGH_FLAGS = ["bypassHooks", "bypassCache", "bypassNormalize"] as const;
export type PassthroughFlag = (typeof PASSTHROUGH_FLAGS)[number];

/** The reach of a control: every request, one org's requests or one virtual key's. */
export type ControlTier = "global" | "org" | "key";

export interface ControlScope {
  tier: ControlTier;
  /** The org name or key id; empty for the global tier. */
  target: string;
}

/** A control that is engaged now (or was, if `expiresAt` has passed). */
export interface EngagedControl extends ControlScope {
  control: ControlName;
  reason: string;
  actor: string;
  /** Unix time in ms. */
  engagedAt: number;
  /** Unix time in ms after which the control no longer applies; null when it never expires. */
  expiresAt: number | null;
}

/** One row of the append-only audit log of control changes. */
export interface ControlAuditEntry extends ControlScope {
  id: number;
  /** Unix time in ms. */
  time: number;
  actor: string;
  action: "engage" | "lift";
  control: ControlName;
  /** Required when engaging, optional when lifting. */
  reason: string | null;
  expiresAt: number | null;
}

/** The tiers whose controls cover a request: its key and the key's org. */
export interface RequestOwner {
  org: string;
  keyId: string;
}

/** Tells whether a control of `scope` covers requests of `owner`. */
export function scopeCovers(scope: ControlScope, owner: RequestOwner): boolean {
  if (scope.tier === "global") return true;
  if (scope.tier === "org") return scope.target === owner.org;
  return scope.target === owner.keyId;
}

/** Names a scope for messages and the CLI: `global`, `org 'acme'` or `key 'key_…'`. */
export function describeScope(scope: ControlScope): string {
  return scope.tier === "global" ? "global" : `${scope.tier} '${scope.target}'`;
}
