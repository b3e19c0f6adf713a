import { type ErrorCode, NexusError } from "../errors/nexus-error.ts";
import type { PiiScannerOptions } from "./options.ts";
import { createPiiScanner, type PiiScanner } from "./scanner.ts";
import type { Span } from "./span.ts";

/**
 * Texts at or above this size are scanned on a worker thread. Below it a scan takes well under
 * a millisecond even on hostile input, less than handing the text to another thread.
 */
export const OFFLOAD_CHARS = 64 * 1024;

interface Pending {
  resolve(spans: Span[]): void;
  reject(error: Error): void;
}

interface WorkerReply {
  id: number;
  spans?: Span[];
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
    const id = this.#nextId;
    this.#nextId += 1;
    return await new Promise<Span[]>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#workerThread().postMessage({ id, options: this.#options, text });
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
