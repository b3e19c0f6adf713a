import type { Logger } from "../observability/log.ts";
import { DeadLetterLog } from "./webhook-dead-letter.ts";
import { type QueueOptions, WebhookQueue } from "./webhook-queue.ts";

/** Default bound on a stop's flush of pending async deliveries, in ms. */
const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

export interface WebhookServicesOptions {
  /** The dead-letter JSON-lines file, e.g. `<dataDir>/webhooks/dead-letter.jsonl`. */
  deadLetterPath: string;
  logger: Logger;
  /** Environment in which `secretEnv` names are looked up (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** How long `close` flushes before it dead-letters the rest, in ms (default 5000). */
  closeTimeoutMs?: number;
}

/**
 * Shared state of the webhook stages in one service: the dead-letter log, the logger, and every
 * async queue, so that a stop can flush them all with `close`.
 */
export class WebhookServices {
  readonly deadLetter: DeadLetterLog;
  readonly logger: Logger;
  readonly env: Record<string, string | undefined>;
  readonly #closeTimeoutMs: number;
  readonly #queues: WebhookQueue[] = [];

  constructor(options: WebhookServicesOptions) {
    this.deadLetter = new DeadLetterLog(options.deadLetterPath);
    this.logger = options.logger;
    this.env = options.env ?? process.env;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  }

  createQueue(options: Omit<QueueOptions, "deadLetter" | "logger">): WebhookQueue {
    const queue = new WebhookQueue({
      ...options,
      deadLetter: this.deadLetter,
      logger: this.logger,
    });
    this.#queues.push(queue);
    return queue;
  }

  /** Flushes every queue in parallel, each bounded by the close timeout. */
  async close(): Promise<void> {
    await Promise.all(this.#queues.map((queue) => queue.close(this.#closeTimeoutMs)));
  }
}
