import { replaceSpans } from "../../../runtime/hooks/replace-spans.ts";
import { scanOriginal } from "../../../runtime/pii/scan-original.ts";
import { createPiiScanner, type PiiScanner } from "../../../runtime/pii/scanner.ts";

/** Stands in for a message the engine could not scan (too long, or too many findings). */
const WITHHELD = "[message withheld: it could not be checked for personal data]";

/** Created on the first failed request, because compiling the patterns takes tens of ms. */
let scanner: PiiScanner | null = null;

/**
 * Replaces personal data in an error message with its kind, e.g. `[EMAIL]`. A provider's 400
 * can quote the request's content, and error messages reach the client, the logs, the traffic
 * event and SIEM. Runs every built-in kind of the PII engine, and only error paths call it.
 */
export function redactPersonalData(message: string): string {
  scanner ??= createPiiScanner();

  // The folded scan finds full-width and other-script forms, as the pii stage does.
  let spans;
  try {
    spans = scanOriginal(scanner, message);
  } catch {
    return WITHHELD;
  }
  if (!Array.isArray(spans)) return WITHHELD;

  return replaceSpans(message, spans, (span) => `[${span.kind.toUpperCase()}]`);
}
