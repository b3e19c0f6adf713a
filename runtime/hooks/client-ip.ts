import type { IpRanges } from "./ip-ranges.ts";
import { parseAddress } from "./ip-ranges.ts";

/**
 * Returns the client's address. `x-forwarded-for` is believed only as far as it was written by
 * trusted proxies: starting from the peer, each hop added by a trusted proxy is skipped from the
 * right, and the first untrusted address is the client. A client cannot forge its address by
 * sending the header itself, because the peer it reaches first must be a trusted proxy.
 */
export function clientIp(
  peer: string | null,
  forwardedFor: string | null,
  trustedProxies: IpRanges,
): string | null {
  if (peer === null) return null;
  const peerAddress = parseAddress(peer)?.toString() ?? null;
  if (peerAddress === null || forwardedFor === null || !trustedProxies.contains(peerAddress)) {
    return peerAddress;
  }

  const hops = forwardedFor.split(",").map((hop) => hop.trim()).filter((hop) => hop !== "");
  let lastGood = peerAddress;
  for (let index = hops.length - 1; index >= 0; index -= 1) {
    const hop = parseAddress(hops[index]!)?.toString();
    // A malformed hop means the chain cannot be trusted past it, so the last good address
    // (a trusted proxy) stands for the client.
    if (hop === undefined) return lastGood;
    if (!trustedProxies.contains(hop)) return hop;
    lastGood = hop;
  }
  return lastGood;
}
