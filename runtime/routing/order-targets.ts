import type { RoutingConfig } from "./config-schema.ts";

/** A random number in [0, 1), like `Math.random`; tests pass a seeded one. */
export type RandomSource = () => number;

/**
 * Orders the targets for one request. `single` keeps only the first, and `fallback` keeps
 * config order. `loadbalance` draws by weight without replacement, so the first is the
 * weighted pick and the rest follow as fallbacks.
 */
export function orderTargets<T extends { weight: number }>(
  strategy: RoutingConfig["strategy"],
  targets: readonly T[],
  random: RandomSource,
): T[] {
  if (strategy === "single") return targets.slice(0, 1);
  if (strategy !== "loadbalance") return [...targets];

  const remaining = [...targets];
  const ordered: T[] = [];
  while (remaining.length > 0) {
    const index = pickWeighted(remaining, random);
    ordered.push(remaining[index]!);
    remaining.splice(index, 1);
  }
  return ordered;
}

/** Returns the index of a target drawn with probability proportional to its weight. */
export function pickWeighted(
  targets: readonly { weight: number }[],
  random: RandomSource,
): number {
  const total = targets.reduce((sum, target) => sum + target.weight, 0);
  let point = random() * total;
  for (let index = 0; index < targets.length; index += 1) {
    point -= targets[index]!.weight;
    if (point < 0) return index;
  }
  // Rounding can leave `point` at a hair above zero after the last target.
  return targets.length - 1;
}
