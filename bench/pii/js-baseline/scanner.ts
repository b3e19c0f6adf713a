import type { Span } from "../../../runtime/pii/span.ts";
import * as patterns from "./patterns.ts";
import * as validate from "./validators.ts";

/** Returns the span's end, or -1 to reject the match. */
type Check = (text: string, match: RegExpExecArray) => number | Span;

interface Detector {
  kind: string;
  regex: RegExp;
  check: Check;
}

const whole: Check = (_, m) => m.index + m[0].length;

/** Detectors in the engine's priority order (`wasm/pii/src/builtin.rs`). */
const DETECTORS: Detector[] = [
  {
    kind: "private_key",
    regex: patterns.PEM_BEGIN,
    check: (t, m) => validate.pemEnd(t, m.index + m[0].length),
  },
  { kind: "jwt", regex: patterns.JWT_START, check: (t, m) => validate.jwtEnd(t, m.index) },
  { kind: "aws_access_key", regex: patterns.AWS_ACCESS_KEY, check: whole },
  {
    kind: "api_key",
    regex: patterns.API_KEY,
    check: (_, m) => (validate.looksRandom(m[0]) ? m.index + m[0].length : -1),
  },
  {
    kind: "bearer_token",
    regex: patterns.BEARER,
    check: (_, m) => {
      const token = m[1]!;
      if (!validate.looksRandom(token)) return -1;
      const end = m.index + m[0].length;
      return { kind: "bearer_token", start: end - token.length, end };
    },
  },
  { kind: "email", regex: patterns.EMAIL, check: whole },
  { kind: "iban", regex: patterns.IBAN_START, check: (t, m) => validate.ibanEnd(t, m.index) },
  { kind: "ipv6", regex: patterns.IPV6_START, check: (t, m) => validate.ipv6End(t, m.index) },
  { kind: "ipv4", regex: patterns.IPV4, check: whole },
  {
    kind: "us_ssn",
    regex: patterns.SSN,
    check: (t, m) => {
      const end = m.index + m[0].length;
      if (!validate.ssnValid(m[0]) || /^[-.]\d/.test(t.slice(end, end + 2))) return -1;
      return end;
    },
  },
  {
    kind: "credit_card",
    regex: patterns.CARD,
    check: (t, m) => {
      const end = m.index + m[0].length;
      if (!validate.cardValid(m[0]) || /^[-.]\d/.test(t.slice(end, end + 2))) return -1;
      return end;
    },
  },
  {
    kind: "phone",
    regex: patterns.PHONE,
    check: (t, m) => {
      const end = m.index + m[0].length;
      return validate.phoneValid(t, m.index, end) ? end : -1;
    },
  },
];

/**
 * Scans `text` the way the same rules are usually written in JavaScript: each detector's
 * RegExp runs over the whole text with its validator, and the results are merged by start,
 * then detector priority, dropping overlaps.
 */
export function scanWithRegExp(text: string): Span[] {
  const found: (Span & { priority: number })[] = [];
  DETECTORS.forEach((detector, priority) => {
    const regex = detector.regex;
    regex.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = regex.exec(text)) !== null) {
      const result = detector.check(text, match);
      if (typeof result === "number") {
        if (result < 0) {
          regex.lastIndex = match.index + 1;
          continue;
        }
        found.push({ kind: detector.kind, start: match.index, end: result, priority });
        regex.lastIndex = Math.max(result, match.index + 1);
      } else {
        found.push({ ...result, priority });
        regex.lastIndex = result.end;
      }
    }
  });

  found.sort((a, b) => a.start - b.start || a.priority - b.priority);
  const spans: Span[] = [];
  let lastEnd = -1;
  for (const { kind, start, end } of found) {
    if (start < lastEnd) continue;
    spans.push({ kind, start, end });
    lastEnd = end;
  }
  return spans;
}
