/**
 * A worker thread that folds and scans large texts, so that a long or hostile body does not
 * hold the gateway's event loop. It builds its own scanner from the options of the first
 * message.
 */
import { NexusError } from "../errors/nexus-error.ts";
import type { PiiScannerOptions } from "./options.ts";
import { scanOriginal } from "./scan-original.ts";
import { createPiiScanner, type PiiScanner } from "./scanner.ts";

export interface ScanJob {
  id: number;
  options: PiiScannerOptions;
  text: string;
  /** `original` folds the text first and answers spans in its offsets, or too-large. */
  kind: "plain" | "original";
}

declare const self: Worker;
let scanner: PiiScanner | null = null;

self.onmessage = (event: MessageEvent<ScanJob>) => {
  const { id, options, text, kind } = event.data;
  try {
    scanner ??= createPiiScanner(options);
    const result = kind === "original" ? scanOriginal(scanner, text) : scanner.scan(text);
    if (Array.isArray(result)) self.postMessage({ id, spans: result });
    else self.postMessage({ id, tooLarge: result.tooLarge });
  } catch (error) {
    const code = error instanceof NexusError ? error.code : null;
    const status = error instanceof NexusError ? error.status : null;
    self.postMessage({ id, error: { message: (error as Error).message, code, status } });
  }
};
