import { JetStreamApiError } from "@nats-io/jetstream";
import { ClosedConnectionError, InvalidArgumentError } from "@nats-io/transport-node";

/** JetStream's error code for a message over the stream's `max_msg_size`. */
const MESSAGE_TOO_LARGE = 10054;

/**
 * Whether a publish failed in a way that a retry cannot fix: the message is over NATS's
 * `max_payload` or the stream's message size limit, or the connection was closed by this
 * process. Timeouts, missing responders (JetStream restarting) and a full stream are retried.
 */
export function isPermanentPublishError(error: unknown): boolean {
  if (error instanceof InvalidArgumentError || error instanceof ClosedConnectionError) {
    return true;
  }
  return error instanceof JetStreamApiError && error.code === MESSAGE_TOO_LARGE;
}

/** Exponential backoff from 100 ms, doubling to at most 5 s, with ±20 % jitter. */
export function retryDelayMs(attempt: number): number {
  const base = Math.min(100 * 2 ** (attempt - 1), 5000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
