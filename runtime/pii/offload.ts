import { type ErrorCode, NexusError } from "../errors/nexus-error.ts";
import type { PiiScannerOptions } from "./options.ts";
import { scanOriginal } from "./scan-original.ts";
import { createPiiScanner, type PiiScanner } from "./scanner.ts";
import type { Span } from "./span.ts";

/**
 * Texts at or above this size are scanned on a worker thread. Below it a scan takes well under
 * a millisecond even on hostile input, less than handing the text to another thread.
 */
export const OFFLOAD_CHARS = 64 * 1024;

/** Spans, or why the text could not be scanned (too large for the engine). */
export type ScanResult = Span[] | { tooLarge: string };

interface Pending {
  resolve(result: ScanResult): void;
  reject(error: Error): void;
}

interface WorkerReply {
  id: number;
  spans?: Span[];
  tooLarge?: string;
  error?: { message: string; code: string | null; status: number | null };
}

/**
 * A PII scanner that scans small texts in place and large ones on its own worker thread, one
 * at a time, so that the event loop keeps serving other requests meanwhile.
 */
export class OffloadingPiiScanner {
  readonly #options: PiiScannerOptions;
  readonly #local: PiiScanner;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | null = null;
  #nextId = 1;

  /** Throws a ConfigError for invalid options, as createPiiScanner does. */
  constructor(options: PiiScannerOptions) {
    this.#options = options;
    this.#local = createPiiScanner(options);
  }

  get maxInputBytes(): number {
    return this.#local.maxInputBytes;
  }

  async scan(text: string): Promise<Span[]> {
    if (text.length < OFFLOAD_CHARS) return this.#local.scan(text);
    return (await this.#onWorker(text, "plain")) as Span[];
  }

  /**
   * Scans the PII folding of `text` (see scan-original.ts) with spans in `text`'s offsets;
   * large texts are folded on the worker too, since folding costs as much as scanning.
   */
  async scanOriginal(text: string): Promise<ScanResult> {
    if (text.length < OFFLOAD_CHARS) return scanOriginal(this.#local, text);
    return await this.#onWorker(text, "original");
  }

  #onWorker(text: string, kind: "plain" | "original"): Promise<ScanResult> {
    const id = this.#nextId;
    this.#nextId += 1;
    return new Promise<ScanResult>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#workerThread().postMessage({ id, options: this.#options, text, kind });
    });
  }

  #workerThread(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = new Worker(new URL("./scan-worker.ts", import.meta.url).href);
    // A scanner must not keep a stopping process alive.
    (worker as Worker & { unref(): void }).unref();
    worker.onmessage = (event: MessageEvent<WorkerReply>) => this.#settle(event.data);
    worker.onerror = (event) => this.#failAll(new Error(`PII worker failed: ${event.message}`));
    this.#worker = worker;
    return worker;
  }

  #settle(reply: WorkerReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (reply.spans !== undefined) return pending.resolve(reply.spans);
    if (reply.tooLarge !== undefined) return pending.resolve({ tooLarge: reply.tooLarge });

    const failure = reply.error!;
    pending.reject(failure.code === null
      ? new Error(failure.message)
      : new NexusError(failure.code as ErrorCode, failure.message, {
        status: failure.status ?? 500,
        type: "invalid_request_error",
      }));
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.#worker?.terminate();
    this.#worker = null;
  }
}
