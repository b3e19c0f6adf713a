import { describeError, type Logger } from "../observability/log.ts";
import type { DeadLetterLog, DeadLetterReason } from "./webhook-dead-letter.ts";
import { describeTarget, postWebhook, type WebhookTarget } from "./webhook-post.ts";

/** Deliveries in flight at once per queue; the rest wait their turn. */
const CONCURRENCY = 4;
/** Maximum wait between two attempts, whatever the retry count. */
const MAX_BACKOFF_MS = 60_000;
/** Minimum gap between two `webhook.queue_full` log lines; each counts the overflows since. */
const OVERFLOW_LOG_INTERVAL_MS = 1000;

export interface QueueOptions {
  target: WebhookTarget;
  retries: number;
  backoffMs: number;
  maxQueue: number;
  deadLetter: DeadLetterLog;
  logger: Logger;
  /** Source of jitter in [0, 1), `Math.random` unless a test pins it. */
  random?: () => number;
}

interface Delivery {
  deliveryId: string;
  requestId: string;
  body: string;
  attempts: number;
  lastError: string | null;
  settled: boolean;
  abort: AbortController;
  retryTimer?: ReturnType<typeof setTimeout>;
}

/**
 * Background delivery for async webhook stages. Every accepted delivery is tried up to
 * `retries + 1` times with exponential backoff and jitter, then written to the dead letter.
 * The queue contains at most `maxQueue` deliveries, counting those waiting, in flight and
 * between attempts. A delivery that arrives when it is full goes straight to the dead letter,
 * so memory stays bounded and nothing is dropped silently.
 */
export class WebhookQueue {
  readonly #options: QueueOptions;
  readonly #url: string;
  #waiting: Delivery[] = [];
  readonly #running = new Map<Delivery, Promise<void>>();
  readonly #retrying = new Set<Delivery>();
  #idleWaiters: (() => void)[] = [];
  #closing = false;
  #closed: Promise<void> | null = null;
  #overflowsSinceLog = 0;
  #lastOverflowLog = -Infinity;

  constructor(options: QueueOptions) {
    this.#options = options;
    this.#url = describeTarget(options.target.url);
  }

  /** Deliveries not yet delivered or dead-lettered. */
  get size(): number {
    return this.#waiting.length + this.#running.size + this.#retrying.size;
  }

  enqueue(requestId: string, deliveryId: string, body: string): void {
    const delivery: Delivery = {
      deliveryId,
      requestId,
      body,
      attempts: 0,
      lastError: null,
      settled: false,
      abort: new AbortController(),
    };
    if (this.#closing) return this.#giveUp(delivery, "shutdown");
    if (this.size >= this.#options.maxQueue) return this.#giveUp(delivery, "queue_full");

    this.#waiting.push(delivery);
    this.#pump();
  }

  /**
   * Stops taking deliveries and flushes the waiting ones for up to `timeoutMs`. Deliveries
   * between attempts are not retried again; they and whatever is left at the deadline (in
   * flight ones are aborted) go to the dead letter. Calling it again returns the same promise.
   */
  close(timeoutMs: number): Promise<void> {
    this.#closed ??= this.#drain(timeoutMs);
    return this.#closed;
  }

  async #drain(timeoutMs: number): Promise<void> {
    this.#closing = true;
    for (const delivery of this.#retrying) {
      clearTimeout(delivery.retryTimer);
      this.#giveUp(delivery, "shutdown");
    }
    this.#retrying.clear();

    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.#idle(), deadline]);
    clearTimeout(timer);

    for (const delivery of this.#waiting) this.#giveUp(delivery, "shutdown");
    this.#waiting = [];
    for (const delivery of this.#running.keys()) {
      delivery.abort.abort();
      this.#giveUp(delivery, "shutdown");
    }
    await Promise.allSettled(this.#running.values());
  }

  #pump(): void {
    while (this.#running.size < CONCURRENCY && this.#waiting.length > 0) {
      const delivery = this.#waiting.shift()!;
      const run = this.#attempt(delivery).finally(() => {
        this.#running.delete(delivery);
        this.#pump();
        this.#notifyIfIdle();
      });
      this.#running.set(delivery, run);
    }
  }

  async #attempt(delivery: Delivery): Promise<void> {
    delivery.attempts += 1;
    try {
      await postWebhook(this.#options.target, delivery.body, delivery, {
        readResponse: false,
        signal: delivery.abort.signal,
      });
      delivery.settled = true;
    } catch (error) {
      if (delivery.settled) return;
      delivery.lastError = error instanceof Error ? error.message : String(error);
      this.#afterFailure(delivery, error);
    }
  }

  #afterFailure(delivery: Delivery, error: unknown): void {
    const last = delivery.attempts > this.#options.retries;
    this.#options.logger.log("warn", "webhook.delivery_failed", {
      url: this.#url,
      request_id: delivery.requestId,
      delivery_id: delivery.deliveryId,
      attempt: delivery.attempts,
      error: describeError(error),
      retrying: !last && !this.#closing,
    });
    if (last) return this.#giveUp(delivery, "failed");
    if (this.#closing) return this.#giveUp(delivery, "shutdown");

    this.#retrying.add(delivery);
    delivery.retryTimer = setTimeout(() => {
      this.#retrying.delete(delivery);
      this.#waiting.push(delivery);
      this.#pump();
    }, this.#backoff(delivery.attempts));
  }

  /** Equal jitter: half the exponential delay, plus up to half again at random. */
  #backoff(attempts: number): number {
    const delay = Math.min(MAX_BACKOFF_MS, this.#options.backoffMs * 2 ** (attempts - 1));
    const random = this.#options.random ?? Math.random;
    return Math.round(delay / 2 + random() * (delay / 2));
  }

  #giveUp(delivery: Delivery, reason: DeadLetterReason): void {
    if (delivery.settled) return;
    delivery.settled = true;
    const fields = {
      url: this.#url,
      request_id: delivery.requestId,
      delivery_id: delivery.deliveryId,
      reason,
      attempts: delivery.attempts,
    };
    try {
      this.#options.deadLetter.append({
        time: new Date().toISOString(),
        reason,
        deliveryId: delivery.deliveryId,
        requestId: delivery.requestId,
        url: this.#url,
        attempts: delivery.attempts,
        lastError: delivery.lastError,
        payload: JSON.parse(delivery.body) as unknown,
      });
      if (reason === "queue_full") this.#logOverflow();
      else this.#options.logger.log("error", "webhook.dead_lettered", fields);
    } catch (error) {
      // Nothing else can keep the body; the log line is the only trace left of it.
      this.#options.logger.log("error", "webhook.dead_letter_failed", {
        ...fields,
        path: this.#options.deadLetter.path,
        error: describeError(error),
      });
    }
  }

  /** Logs overflows at most once a second, so a flood of requests cannot flood the log. */
  #logOverflow(): void {
    this.#overflowsSinceLog += 1;
    const now = performance.now();
    if (now - this.#lastOverflowLog < OVERFLOW_LOG_INTERVAL_MS) return;

    this.#options.logger.log("error", "webhook.queue_full", {
      url: this.#url,
      max_queue: this.#options.maxQueue,
      dead_lettered: this.#overflowsSinceLog,
      dead_letter_path: this.#options.deadLetter.path,
    });
    this.#overflowsSinceLog = 0;
    this.#lastOverflowLog = now;
  }

  #idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #notifyIfIdle(): void {
    if (this.size > 0) return;
    for (const resolve of this.#idleWaiters) resolve();
    this.#idleWaiters = [];
  }
}
