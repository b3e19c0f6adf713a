/**
 * A stage's decision. `flag` lets the request through and records why; `redact` lets it through
 * with text replaced; `block` stops it.
 */
export type Verdict = "allow" | "flag" | "redact" | "block";

const RANK: Record<Verdict, number> = { allow: 0, flag: 1, redact: 2, block: 3 };

/** Returns the stronger of two verdicts, for the pipeline's overall verdict. */
export function strongest(a: Verdict, b: Verdict): Verdict {
  return RANK[a] >= RANK[b] ? a : b;
}
