import { JetStreamApiError } from "@nats-io/jetstream";

/** Whether `error` is the JetStream API's "not found" with error code `code`. */
export function isNotFound(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}
