import { NexusError } from "../errors/nexus-error.ts";
import { describeScope, type EngagedControl } from "./types.ts";

/** Builds the 503 a client gets while a kill switch covers its request or open stream. */
export function killSwitchError(control: EngagedControl): NexusError {
  return new NexusError(
    "kill_switch_engaged",
    `Requests are blocked by the ${describeScope(control)} kill switch, engaged with the ` +
      `reason: ${control.reason}`,
    { status: 503, type: "api_error" },
  );
}
