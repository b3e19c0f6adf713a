import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Why a delivery was given up: every attempt failed, the queue was full when it arrived, or the
 * gateway stopped before it was delivered.
 */
export type DeadLetterReason = "failed" | "queue_full" | "shutdown";

/** One line of the dead-letter file. `payload` is the body as it was sent, unsigned. */
export interface DeadLetterRecord {
  time: string;
  reason: DeadLetterReason;
  deliveryId: string;
  requestId: string;
  /** The receiver's origin and path, without query string or credentials. */
  url: string;
  attempts: number;
  lastError: string | null;
  payload: unknown;
}

/**
 * Appends undelivered webhook bodies to a JSON-lines file so an operator can replay them. The
 * file is created readable by its owner only, because a payload contains the request's texts
 * when the stage sends them. Writes are synchronous: they are rare, small and must not be lost
 * to a stop that follows right after.
 */
export class DeadLetterLog {
  readonly path: string;
  #dirReady = false;

  constructor(path: string) {
    this.path = path;
  }

  append(record: DeadLetterRecord): void {
    if (!this.#dirReady) {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      this.#dirReady = true;
    }
    appendFileSync(this.path, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  }
}
