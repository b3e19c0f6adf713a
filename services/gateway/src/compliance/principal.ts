import { clientIp } from "../../../../runtime/hooks/client-ip.ts";
import type { Compliance } from "../../../../runtime/hooks/compliance.ts";
import type { Principal } from "../../../../runtime/hooks/stage.ts";
import type { VirtualKey } from "../../../../runtime/identity/keys/types.ts";

/** Describes who sent a request, with the client address after the trusted-proxy rule. */
export function principalOf(
  key: VirtualKey,
  peer: string | null,
  headers: Headers,
  compliance: Compliance,
): Principal {
  return {
    org: key.org,
    project: key.project,
    keyId: key.id,
    ip: clientIp(peer, headers.get("x-forwarded-for"), compliance.trustedProxies),
  };
}
