import { IpRanges } from "../ip-ranges.ts";
import type { Stage, StageOutcome } from "../stage.ts";

/** Blocks requests whose client address is outside the allowed CIDR ranges (v4 and v6). */
export function ipAllowlistStage(allow: readonly string[]): Stage {
  const ranges = new IpRanges(allow);
  return {
    name: "ip_allowlist",
    run(subject): StageOutcome {
      const ip = subject.principal.ip;
      if (ip !== null && ranges.contains(ip)) return { verdict: "allow" };
      return {
        verdict: "block",
        reason: ip === null
          ? "The client address is unknown, so the IP allowlist cannot admit it."
          : `The client address ${ip} is not in the IP allowlist.`,
        status: 403,
        code: "ip_not_allowed",
      };
    },
  };
}
