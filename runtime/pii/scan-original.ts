import { NexusError } from "../errors/nexus-error.ts";
import { foldForPii, originalSpan } from "./fold.ts";
import type { PiiScanner } from "./scanner.ts";
import type { Span } from "./span.ts";

/**
 * Scans the PII folding of `text`, so full-width, other-script and invisible-split variants
 * match too, and returns spans with offsets in `text`. A span covers the whole original run,
 * invisible characters inside it included. Returns the reason instead when the text or its
 * folding exceeds the engine's input limit or yields more matches than one scan returns.
 */
export function scanOriginal(scanner: PiiScanner, text: string): Span[] | { tooLarge: string } {
  const max = scanner.maxInputBytes;
  const overLimit = { tooLarge: `it exceeds the PII engine's limit of ${max} bytes` };

  // UTF-8 takes at least one byte per UTF-16 unit, so a longer text is over the limit.
  // NOTE: a text whose UTF-8 is over the limit but whose folding fits is scanned in full.
  if (text.length > max) return overLimit;
  const view = foldForPii(text, max);
  if (view === null) return overLimit;

  let spans: Span[];
  try {
    spans = scanner.scan(view.text);
  } catch (error) {
    if (error instanceof NexusError && error.code === "body_too_large") {
      return { tooLarge: error.message };
    }
    throw error;
  }
  return spans.map((span) => ({ ...span, ...originalSpan(view, span.start, span.end) }));
}
