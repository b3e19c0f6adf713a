/**
 * A worker thread that scans large texts, so that a long or hostile body does not hold the
 * gateway's event loop. It builds its own scanner from the options of the first message.
 */
import { NexusError } from "../errors/nexus-error.ts";
import type { PiiScannerOptions } from "./options.ts";
import { createPiiScanner, type PiiScanner } from "./scanner.ts";

export interface ScanJob {
  id: number;
  options: PiiScannerOptions;
  text: string;
}

declare const self: Worker;
let scanner: PiiScanner | null = null;

self.onmessage = (event: MessageEvent<ScanJob>) => {
  const { id, options, text } = event.data;
  try {
    scanner ??= createPiiScanner(options);
    self.postMessage({ id, spans: scanner.scan(text) });
  } catch (error) {
    const code = error instanceof NexusError ? error.code : null;
    const status = error instanceof NexusError ? error.status : null;
    self.postMessage({ id, error: { message: (error as Error).message, code, status } });
  }
};
