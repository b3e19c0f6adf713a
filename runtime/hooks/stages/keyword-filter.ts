import { endOf, fold, foldWord, startOf } from "../normalise.ts";
import { replaceSpans } from "../replace-spans.ts";
import type { Finding, Stage, StageOutcome, TextEdit } from "../stage.ts";

export interface KeywordOptions {
  /** Words and phrases, matched as whole words after folding case, accents and width. */
  words: readonly string[];
  action: "block" | "flag" | "redact";
  /** Text put in place of a match when redacting. */
  replacement?: string;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * Finds listed words in every text, however they are cased, accented, spaced or padded with
 * invisible characters. One regular expression of escaped literals serves the whole list; its
 * only quantifiers are single character classes between literals, so matching stays linear.
 */
export function keywordStage(options: KeywordOptions): Stage {
  const folded = [...new Set(options.words.map(foldWord).filter((word) => word !== ""))];
  const matcher = folded.length === 0
    ? null
    : new RegExp(folded.sort((a, b) => b.length - a.length).map(phrasePattern).join("|"), "gu");
  const replacement = options.replacement ?? "[REDACTED]";

  return {
    name: "keyword_filter",
    run(subject): StageOutcome {
      if (matcher === null) return { verdict: "allow" };
      const findings: Finding[] = [];
      const edits: TextEdit[] = [];

      subject.texts.forEach((segment, index) => {
        const found = findWords(segment.text, matcher, index);
        findings.push(...found);
        if (found.length > 0 && options.action === "redact") {
          edits.push({ segment: index, text: replaceSpans(segment.text, found, replacement) });
        }
      });
      if (findings.length === 0) return { verdict: "allow" };

      const kinds = [...new Set(findings.map((finding) => finding.kind))];
      return {
        verdict: options.action,
        reason: `Matched ${findings.length} listed keyword(s): ${kinds.join(", ")}.`,
        findings,
        edits: options.action === "redact" ? edits : undefined,
        code: "keyword_blocked",
      };
    },
  };
}

function findWords(text: string, matcher: RegExp, segment: number): Finding[] {
  const view = fold(text);
  const found: Finding[] = [];
  for (const match of view.text.matchAll(matcher)) {
    const start = match.index;
    const end = start + match[0].length;
    if (isWordChar(view.text[start - 1]) || isWordChar(view.text[end])) continue;
    found.push({
      stage: "keyword_filter",
      kind: `keyword:${match[0]}`,
      segment,
      start: startOf(view, start),
      end: endOf(view, end - 1),
    });
  }
  return found;
}

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && WORD_CHAR.test(char);
}

/**
 * The pattern of one folded word or phrase: its words in order, with any run of characters
 * that are not letters or digits between them (spaces, tabs, line breaks, hyphens, or none),
 * so `Project  Falcon`, `Project-Falcon` and `ProjectFalcon` all match `project falcon`.
 */
function phrasePattern(phrase: string): string {
  return phrase.split(/\s+/).filter((word) => word !== "").map(escape)
    .join("[^\\p{L}\\p{N}]*");
}

function escape(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
