import { DeliveryError } from "./delivery-error.ts";

/**
 * Turns a non-2xx response into the worker's next step. 408, 429 and 5xx are transient, so the
 * batch is retried, after `Retry-After` when given. 400 and 413 reject this batch's content, so
 * it is dropped. 401 and 403 mean a wrong credential and any other 4xx a wrong URL, so the sink
 * halts until its configuration is fixed.
 */
export function httpFailure(sinkTarget: string, response: Response, body: string): DeliveryError {
  const status = response.status;
  const detail = `${sinkTarget} returned HTTP ${status}: ${body.slice(0, 200)}`;

  if (status === 408 || status === 429 || status >= 500) {
    return new DeliveryError(detail, "retry", {
      retryAfterMs: retryAfterMs(response.headers.get("retry-after")),
    });
  }
  if (status === 400 || status === 413) return new DeliveryError(detail, "drop");
  if (status === 401 || status === 403) {
    return new DeliveryError(`${detail} (check the sink's credential)`, "halt");
  }
  return new DeliveryError(`${detail} (check the sink's URL)`, "halt");
}

/** Reads `Retry-After` in its delay-seconds form; the HTTP-date form is ignored. */
function retryAfterMs(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  return Number(value.trim()) * 1000;
}
