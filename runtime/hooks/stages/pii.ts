import { BUILTIN_KINDS, type BuiltinKind } from "../../pii/kinds.ts";
import type { CustomPattern, Dictionary } from "../../pii/options.ts";
import { OffloadingPiiScanner } from "../../pii/offload.ts";
import type { Span } from "../../pii/span.ts";
import type { Finding, Stage, StageOutcome, TextEdit } from "../stage.ts";
import { replaceSpans } from "../replace-spans.ts";
import type { TokenVault } from "../token-vault.ts";
import { type Verdict, strongest } from "../verdict.ts";

/** The handling of detected items: the verdict and, for the rewriting actions, the text. */
export type PiiAction = "flag" | "block" | "mask" | "redact" | "tokenize";

export interface PiiOptions {
  kinds?: readonly BuiltinKind[];
  patterns?: readonly CustomPattern[];
  dictionaries?: readonly Dictionary[];
  action: PiiAction;
  /** Actions for particular kinds, over `action`. */
  actions?: Readonly<Record<string, PiiAction>>;
}

/**
 * Detects personal data and secrets with the WebAssembly engine and flags, blocks or rewrites
 * them: `mask` keeps the last four characters, `redact` puts a type placeholder such as
 * `[EMAIL]`, `tokenize` puts a token the gateway maps back to the real value in the answer.
 */
export function piiStage(options: PiiOptions): Stage {
  const scanner = new OffloadingPiiScanner(options);
  for (const kind of Object.keys(options.actions ?? {})) {
    const custom = [...(options.patterns ?? []), ...(options.dictionaries ?? [])];
    if (!(BUILTIN_KINDS as readonly string[]).includes(kind) &&
      !custom.some((entry) => entry.name === kind)) {
      throw new Error(`pii: no detector named "${kind}"`);
    }
  }
  const actionOf = (kind: string): PiiAction => options.actions?.[kind] ?? options.action;

  return {
    name: "pii",
    async run(subject): Promise<StageOutcome> {
      const findings: Finding[] = [];
      const edits: TextEdit[] = [];
      let verdict = "allow" as Verdict;

      for (const [index, segment] of subject.texts.entries()) {
        const spans = await scanner.scanOriginal(segment.text);
        if (!Array.isArray(spans)) return tooLarge(index, spans.tooLarge);
        if (spans.length === 0) continue;

        for (const span of spans) {
          findings.push({ stage: "pii", kind: span.kind, segment: index, ...range(span) });
          verdict = strongest(verdict, verdictOf(actionOf(span.kind)));
        }
        const rewritten = rewrite(segment.text, spans, actionOf, subject.vault);
        if (rewritten !== segment.text) edits.push({ segment: index, text: rewritten });
      }
      if (findings.length === 0) return { verdict: "allow" };

      const kinds = [...new Set(findings.map((finding) => finding.kind))];
      return {
        verdict,
        reason: `Found ${findings.length} item(s) of personal data or secrets: ` +
          `${kinds.join(", ")}.`,
        findings,
        edits: verdict === "block" ? undefined : edits,
        code: "pii_blocked",
      };
    },
  };
}

/** Builds the 413 block for a text the engine cannot scan, whatever the pipeline's fail mode. */
function tooLarge(segment: number, cause: string): StageOutcome {
  return {
    verdict: "block",
    reason: `Text ${segment} is too large to scan for personal data: ${cause}. ` +
      "Send it in smaller parts.",
    status: 413,
    code: "request_too_large",
  };
}

function range(span: Span): { start: number; end: number } {
  return { start: span.start, end: span.end };
}

function verdictOf(action: PiiAction): Verdict {
  if (action === "flag" || action === "block") return action;
  return "redact";
}

function rewrite(
  text: string,
  spans: Span[],
  actionOf: (kind: string) => PiiAction,
  vault: TokenVault | undefined,
): string {
  return replaceSpans(text, spans, (span) => {
    const value = text.slice(span.start, span.end);
    switch (actionOf(span.kind)) {
      case "mask":
        return mask(value);
      case "redact":
        return `[${span.kind.toUpperCase()}]`;
      case "tokenize":
        // Without a vault the value could not be restored, so it is redacted instead.
        return vault?.tokenFor(span.kind, value) ?? `[${span.kind.toUpperCase()}]`;
      default:
        return value;
    }
  });
}

/** Keeps the last four characters, counted by code point so no surrogate pair is split. */
function mask(value: string): string {
  const chars = [...value];
  if (chars.length <= 4) return "*".repeat(chars.length);
  return "*".repeat(chars.length - 4) + chars.slice(-4).join("");
}
