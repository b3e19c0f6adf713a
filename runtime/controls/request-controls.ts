import {
  type EngagedControl, PASSTHROUGH_FLAGS, type PassthroughFlag, type RequestOwner, scopeCovers,
} from "./types.ts";

/** The controls that cover one request, picked at admission. */
export interface RequestControls {
  /** The kill switch that blocks the request, or null. */
  kill: EngagedControl | null;
  /** Each passthrough flag in force for the request, with the control that set it. */
  passthrough: Partial<Record<PassthroughFlag, EngagedControl>>;
}

/** Broadest tier first, so a message names the global switch over an org's or a key's. */
const TIER_ORDER = { global: 0, org: 1, key: 2 } as const;

/** Picks, from the controls in force, those that cover requests of `owner`. */
export function controlsFor(engaged: EngagedControl[], owner: RequestOwner): RequestControls {
  const covering = engaged
    .filter((control) => scopeCovers(control, owner))
    .sort((a, b) => TIER_ORDER[a.tier] - TIER_ORDER[b.tier]);

  const passthrough: RequestControls["passthrough"] = {};
  for (const flag of PASSTHROUGH_FLAGS) {
    const control = covering.find((candidate) => candidate.control === flag);
    if (control !== undefined) passthrough[flag] = control;
  }
  return { kill: covering.find((control) => control.control === "kill") ?? null, passthrough };
}

/**
 * Describes the passthrough flags of a request for its traffic event: each flag with the tier,
 * target and reason of the control that set it. Returns null when no flag is in force.
 */
export function passthroughDetail(controls: RequestControls): Record<string, unknown>[] | null {
  const entries = PASSTHROUGH_FLAGS.flatMap((flag) => {
    const control = controls.passthrough[flag];
    if (control === undefined) return [];
    return [{
      flag,
      tier: control.tier,
      target: control.target,
      reason: control.reason,
      expiresAt: control.expiresAt,
    }];
  });
  return entries.length === 0 ? null : entries;
}
