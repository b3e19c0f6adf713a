import ipaddr from "ipaddr.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** A set of CIDR ranges, v4 and v6; an IPv4-mapped IPv6 address matches its IPv4 range. */
export class IpRanges {
  readonly #ranges: [Address, number][];

  /** Throws on a malformed range, naming it, so a bad config stops the boot. */
  constructor(cidrs: readonly string[]) {
    this.#ranges = cidrs.map((cidr) => {
      try {
        const [address, bits] = cidr.includes("/")
          ? ipaddr.parseCIDR(cidr)
          : [ipaddr.parse(cidr), cidr.includes(":") ? 128 : 32];
        return [normalise(address), bits];
      } catch {
        throw new Error(`invalid CIDR range "${cidr}"`);
      }
    });
  }

  get size(): number {
    return this.#ranges.length;
  }

  /** Tells whether the address is inside any range; a malformed address is in none. */
  contains(ip: string): boolean {
    const address = parseAddress(ip);
    if (address === null) return false;
    return this.#ranges.some(([range, bits]) =>
      range.kind() === address.kind() && address.match(range as never, bits));
  }
}

/**
 * Parses an address, with IPv4-mapped IPv6 turned into IPv4; null when malformed. IPv4 must be
 * four plain decimal parts: forms such as `0x0a.1.2.3`, `167837955` or `010.1.2.3` (octal to
 * some parsers) are refused, since other tools would read them as another address.
 */
export function parseAddress(ip: string): Address | null {
  const trimmed = ip.trim().replace(/^\[|\]$/g, "");
  if (trimmed.includes(":")) {
    return ipaddr.IPv6.isValid(trimmed) ? normalise(ipaddr.parse(trimmed)) : null;
  }
  return ipaddr.IPv4.isValidFourPartDecimal(trimmed) ? ipaddr.parse(trimmed) : null;
}

function normalise(address: Address): Address {
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (address as ipaddr.IPv6).toIPv4Address();
  }
  return address;
}
