import type { TargetRef } from "./config-schema.ts";

/** The fields of a target that rules can name it by. */
export interface NamedTarget {
  providerId: string;
  weight: number;
  region?: string;
}

/**
 * Lists the targets that references name, in reference order and each once. An index names
 * one target, a provider name every target of that provider. Unknown references name none.
 */
export function selectTargets<T extends NamedTarget>(
  targets: readonly T[],
  refs: readonly TargetRef[],
): T[] {
  const selected: T[] = [];
  const add = (target: T | undefined): void => {
    if (target !== undefined && !selected.includes(target)) selected.push(target);
  };

  for (const ref of refs) {
    if (typeof ref === "number") add(targets[ref]);
    else for (const target of targets) if (target.providerId === ref) add(target);
  }
  return selected;
}
