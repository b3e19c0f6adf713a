import { type RequestStart, startFields } from "./request-start.ts";
import { encodeStartBatch } from "./start-batch.ts";

/** One batch ready to publish: the starts of one node, encoded. */
export interface EncodedStartBatch {
  /** Message id, the same on every retry and republish of this batch. */
  id: string;
  nodeId: string;
  requestIds: string[];
  data: Uint8Array;
}

export interface StartBatcherOptions {
  /** Time a start waits for others before its batch is published, in ms. */
  windowMs: number;
  /** Starts that make a batch full, so it is published at once. */
  maxStarts: number;
  /** Takes each batch the batcher closes. */
  onBatch: (batch: EncodedStartBatch) => void;
  /** Takes a start that could not be encoded, which is then left out of its batch. */
  onEncodeError: (start: RequestStart, error: unknown) => void;
}

/**
 * Encoded size at which a batch is split, in bytes: half the stream's 1 MiB message limit,
 * which leaves room for the envelope. A single start larger than this goes alone.
 */
const MAX_BATCH_BYTES = 512 * 1024;

/**
 * Collects the start records of admitted requests and closes them into batches every
 * `windowMs`, or as soon as `maxStarts` wait. `drop` takes back the start of a request whose
 * final event came first, so a request that ends inside the window never sends a start.
 * Batches are split by node id (message ids name one node) and by encoded size.
 */
export class StartBatcher {
  readonly #options: StartBatcherOptions;
  /** Starts not yet batched, by request id, in the order they were added. */
  readonly #waiting = new Map<string, RequestStart>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  /**
   * Random per batcher, so two publishers that were handed the same node id (a test, or a
   * misconfigured deployment) never reuse a message id inside the duplicate window.
   */
  readonly #token = crypto.randomUUID().slice(0, 8);
  #sequence = 0;

  constructor(options: StartBatcherOptions) {
    this.#options = options;
  }

  /** Starts waiting for the next batch. */
  get size(): number {
    return this.#waiting.size;
  }

  has(requestId: string): boolean {
    return this.#waiting.has(requestId);
  }

  /** Adds a start. When it fills the batch, `onBatch` gets the batch before this returns. */
  add(start: RequestStart): void {
    this.#waiting.set(start.requestId, start);
    if (this.#waiting.size >= this.#options.maxStarts) {
      this.flush();
      return;
    }
    this.#timer ??= setTimeout(() => this.flush(), this.#options.windowMs);
  }

  /** Removes the waiting start of `requestId` and returns whether there was one. */
  drop(requestId: string): boolean {
    return this.#waiting.delete(requestId);
  }

  /** Hands every waiting start to `onBatch` now, in as few batches as the limits allow. */
  flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#waiting.size === 0) return;

    const byNode = new Map<string, RequestStart[]>();
    for (const start of this.#waiting.values()) {
      const starts = byNode.get(start.nodeId);
      if (starts === undefined) byNode.set(start.nodeId, [start]);
      else starts.push(start);
    }
    this.#waiting.clear();
    for (const [nodeId, starts] of byNode) this.#emit(nodeId, starts);
  }

  /** Encodes the starts of one node into batches of at most `MAX_BATCH_BYTES`. */
  #emit(nodeId: string, starts: readonly RequestStart[]): void {
    let json: string[] = [];
    let requestIds: string[] = [];
    let bytes = 0;
    const close = () => {
      if (json.length === 0) return;
      this.#sequence += 1;
      const id = `${nodeId}:starts:${this.#token}-${this.#sequence}`;
      this.#options.onBatch({ id, nodeId, requestIds, data: encodeStartBatch(id, json) });
      json = [];
      requestIds = [];
      bytes = 0;
    };

    for (const start of starts) {
      let encoded: string;
      try {
        encoded = JSON.stringify(startFields(start));
      } catch (error) {
        this.#options.onEncodeError(start, error);
        continue;
      }
      const size = Buffer.byteLength(encoded);
      if (bytes + size > MAX_BATCH_BYTES) close();
      json.push(encoded);
      requestIds.push(start.requestId);
      bytes += size + 1;
    }
    close();
  }
}
