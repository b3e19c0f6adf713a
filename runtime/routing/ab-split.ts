import type { RoutingConfig } from "./config-schema.ts";
import type { TargetChoice } from "./conditional.ts";
import { pickWeighted, type RandomSource } from "./order-targets.ts";
import { type RouteFacts, valueAtPath } from "./route-facts.ts";
import type { NamedTarget } from "./target-refs.ts";

/**
 * Pins each split key to one target: the key's hash, salted with the model name, falls into
 * one of the buckets that the targets' weights size. The other targets follow in config order
 * as fallbacks. A request without the key gets a random weighted pick.
 */
export function chooseAbSplit<T extends NamedTarget>(
  settings: RoutingConfig["absplit"],
  targets: readonly T[],
  facts: RouteFacts,
  random: RandomSource,
): TargetChoice<T> {
  const key = splitKey(settings?.key ?? "virtualKey", facts);
  const point = key === null ? random() : hashToUnit(`${facts.model}\u0000${key}`);
  const bucket = pickWeighted(targets, () => point);
  const chosen = targets[bucket]!;
  return {
    targets: [chosen, ...targets.filter((target) => target !== chosen)],
    reason: { bucket, keyed: key !== null },
  };
}

function splitKey(
  source: NonNullable<RoutingConfig["absplit"]>["key"],
  facts: RouteFacts,
): string | null {
  if (source === "virtualKey") return facts.keyId;
  if (source === "user") {
    const user = valueAtPath(facts.body, "user");
    return typeof user === "string" && user !== "" ? user : null;
  }
  const value = facts.header(source.header);
  return value === null || value === "" ? null : value;
}

/**
 * Maps a string to [0, 1): 32-bit FNV-1a over its UTF-16 code units, then the murmur3
 * finalizer so that keys differing in the last character spread over the whole range.
 */
export function hashToUnit(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 4294967296;
}
