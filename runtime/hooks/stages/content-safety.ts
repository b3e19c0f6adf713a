import { endOf, fold, startOf } from "../normalise.ts";
import type { Finding, Stage, StageOutcome } from "../stage.ts";

/** A moderation verdict from a model, called through Nexus's own providers. */
export interface ModerationResult {
  flagged: boolean;
  categories: string[];
}

export interface ContentSafetyOptions {
  action: "block" | "flag";
  /** Sum of heuristic weights at which the request counts as an attack (default 1). */
  threshold?: number;
  /** Asks a moderation model about the texts; absent when none is configured. */
  moderate?: (texts: string[]) => Promise<ModerationResult>;
}

/**
 * Phrasings of prompt injection and jailbreak attempts, matched on folded text. Each pattern is
 * literal words joined by whitespace runs, with no nested quantifiers, so matching is linear.
 */
const HEURISTICS: { kind: string; weight: number; pattern: RegExp }[] = [
  heuristic("prompt_injection", 1,
    "(ignore|disregard|forget|override)\\s+(all\\s+|any\\s+|the\\s+|your\\s+)?" +
      "(previous|prior|above|earlier|preceding|system)\\s+" +
      "(instructions|prompts?|rules|directions|messages)"),
  heuristic("prompt_injection", 1,
    "(reveal|print|show|repeat|output)\\s+(me\\s+)?(your|the)\\s+" +
      "(system\\s+prompt|hidden\\s+instructions|initial\\s+instructions)"),
  heuristic("jailbreak", 1,
    "(do\\s+anything\\s+now|developer\\s+mode\\s+(enabled|on)|jailbreak\\s+mode|" +
      "you\\s+are\\s+(now\\s+)?dan\\b)"),
  heuristic("jailbreak", 0.5,
    "(without\\s+any\\s+(restrictions|filters|limits)|no\\s+longer\\s+bound\\s+by|" +
      "pretend\\s+(that\\s+)?you\\s+have\\s+no\\s+(rules|guidelines))"),
];

function heuristic(kind: string, weight: number, source: string) {
  return { kind, weight, pattern: new RegExp(`\\b${source}`, "g") };
}

export function contentSafetyStage(options: ContentSafetyOptions): Stage {
  const threshold = options.threshold ?? 1;
  return {
    name: "content_safety",
    async run(subject): Promise<StageOutcome> {
      const hits = subject.texts.flatMap((segment, index) => scan(segment.text, index));
      const findings = hits.map((hit) => hit.finding);
      const score = hits.reduce((sum, hit) => sum + hit.weight, 0);
      const reasons: string[] = [];
      if (score >= threshold) {
        reasons.push(`heuristics scored ${score} (${[...new Set(findings.map((f) => f.kind))]
          .join(", ")})`);
      }

      if (options.moderate !== undefined) {
        const moderation = await options.moderate(subject.texts.map((segment) => segment.text));
        if (moderation.flagged) {
          reasons.push(`moderation model flagged ${moderation.categories.join(", ") || "it"}`);
        }
      }
      if (reasons.length === 0) return { verdict: "allow", findings };
      return {
        verdict: options.action,
        reason: `Content safety: ${reasons.join("; ")}.`,
        findings,
        code: "content_blocked",
      };
    },
  };
}

/** Finds the heuristics' phrases in one text, each with its weight. */
function scan(text: string, segment: number): { finding: Finding; weight: number }[] {
  const view = fold(text);
  const hits: { finding: Finding; weight: number }[] = [];
  for (const { kind, weight, pattern } of HEURISTICS) {
    for (const match of view.text.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      const finding: Finding = {
        stage: "content_safety",
        kind,
        segment,
        start: startOf(view, start),
        end: endOf(view, end - 1),
      };
      hits.push({ finding, weight });
    }
  }
  return hits;
}
