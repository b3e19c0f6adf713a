import { killSwitchError } from "./kill-error.ts";
import { controlsFor, passthroughDetail, type RequestControls } from "./request-controls.ts";
import type { ControlStore } from "./control-store.ts";
import type { RequestOwner } from "./types.ts";

/**
 * Applies the emergency controls to an authenticated request: adds the passthrough flags in
 * force to the traffic event through `addDetail`, and throws `kill_switch_engaged` when a kill
 * switch covers it. Returns the controls in force.
 */
export function admitControls(
  store: ControlStore,
  owner: RequestOwner,
  addDetail: (name: string, value: unknown) => void,
): RequestControls {
  const controls = controlsFor(store.engaged(), owner);

  const passthrough = passthroughDetail(controls);
  if (passthrough !== null) addDetail("passthrough", passthrough);

  if (controls.kill !== null) {
    addDetail("kill_switch", { tier: controls.kill.tier, target: controls.kill.target });
    throw killSwitchError(controls.kill);
  }
  return controls;
}
