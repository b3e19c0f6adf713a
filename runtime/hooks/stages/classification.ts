import type { Stage, StageOutcome } from "../stage.ts";

export interface ClassificationRule {
  /** Label given when the rule matches, one of the levels. */
  label: string;
  /** Finding kinds that count, exact or ending in `*` (`keyword:*`). */
  kinds: readonly string[];
  /** Findings of those kinds needed to match (default 1). */
  minCount?: number;
}

export interface ClassificationOptions {
  /** Labels from least to most sensitive. */
  levels?: readonly string[];
  rules: readonly ClassificationRule[];
  /** Requests at or above this label are blocked. */
  blockAt?: string;
}

export const DEFAULT_LEVELS = ["public", "internal", "confidential", "restricted"] as const;

/**
 * Labels the request by the most sensitive rule its earlier findings match (PII entities,
 * keywords, safety signals); without a match it is the least sensitive level.
 */
export function classificationStage(options: ClassificationOptions): Stage {
  const levels = options.levels ?? DEFAULT_LEVELS;
  for (const label of [...options.rules.map((rule) => rule.label), options.blockAt ?? levels[0]!]) {
    if (!levels.includes(label)) throw new Error(`unknown classification label "${label}"`);
  }

  return {
    name: "classification",
    run(_subject, context): StageOutcome {
      let rank = 0;
      const matched: string[] = [];
      for (const rule of options.rules) {
        const count = context.findings.filter((finding) => kindMatches(rule.kinds, finding.kind))
          .length;
        if (count < (rule.minCount ?? 1)) continue;
        matched.push(`${rule.label} (${count} × ${rule.kinds.join("|")})`);
        rank = Math.max(rank, levels.indexOf(rule.label));
      }

      const label = levels[rank]!;
      const blockRank = options.blockAt === undefined ? Infinity : levels.indexOf(options.blockAt);
      const reason = matched.length === 0
        ? undefined
        : `Classified ${label}: ${matched.join("; ")}.`;
      if (rank >= blockRank) {
        return { verdict: "block", reason, labels: [label], status: 403, code: "data_classified" };
      }
      return { verdict: "allow", reason, labels: [label] };
    },
  };
}

function kindMatches(patterns: readonly string[], kind: string): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith("*") ? kind.startsWith(pattern.slice(0, -1)) : kind === pattern);
}
