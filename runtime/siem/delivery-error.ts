/**
 * Next step of a sink's worker after a failed send. `retry` sends the same batch after a
 * backoff. `drop` discards this batch, because the receiver rejected its content and a retry
 * would fail the same way. `halt` stops sending, because the sink's credential or URL is wrong.
 * A halted sink keeps queueing on disk and sends again after a restart.
 */
export type FailureAction = "retry" | "drop" | "halt";

/** A failed send to a SIEM sink. Its message never contains a credential. */
export class DeliveryError extends Error {
  readonly action: FailureAction;
  /** Minimum wait before a retry that the receiver asked for (`Retry-After`), in ms. */
  readonly retryAfterMs: number | null;

  constructor(message: string, action: FailureAction, options: {
    cause?: unknown;
    retryAfterMs?: number | null;
  } = {}) {
    super(message, { cause: options.cause });
    this.name = "DeliveryError";
    this.action = action;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}
