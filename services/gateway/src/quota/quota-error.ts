import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import type { QuotaExceeded } from "../../../../runtime/quota/quota-store.ts";

/**
 * Retry-after in seconds for a request rejected only because of estimates in flight. Those
 * requests settle when their responses end, often within seconds and below their estimates
 * (an estimate, not measured). NOTE: a fixed guess, because the store does not know when the
 * requests in flight end.
 */
export const IN_FLIGHT_RETRY_SECONDS = 5;

/**
 * Builds the 429 for a hard quota. The message names the axis, its value, the limit, the
 * window and when the request would fit; `retry-after` carries the wait in seconds. When
 * settled spend alone leaves room, the wait is `IN_FLIGHT_RETRY_SECONDS` (or the window's
 * own wait if shorter), and the message states that requests in flight hold the rest.
 */
export function quotaExceededError(
  exceeded: QuotaExceeded,
  now: number,
  outputField: string | null = null,
): NexusError {
  const { rule, value } = exceeded.charge;
  const amount = (n: number) => formatAmount(n, exceeded.unit);
  const head = `Quota exceeded for ${rule.axis} "${value}": the limit is ` +
    `${amount(exceeded.limit)} per ${rule.window} (sliding window), ` +
    `${amount(exceeded.used)} already used, and this request needs an estimated ` +
    `${amount(exceeded.requested)}.`;

  if (exceeded.resetsAt === null) {
    return new NexusError("quota_exceeded",
      `${head} The estimate alone is over the limit, so the request never fits. ` +
        fitAdvice(outputField),
      { status: 429, type: "rate_limit_error" });
  }
  const waitSeconds = Math.max(1, Math.ceil((exceeded.resetsAt - now) / 1000));
  if (exceeded.heldInFlight && waitSeconds > IN_FLIGHT_RETRY_SECONDS) {
    return new NexusError("quota_exceeded",
      `${head} Estimates of requests still in flight hold the rest of the budget, and ` +
        "settled spend alone leaves room for this request, so it should fit once they " +
        `finish; retry in ${IN_FLIGHT_RETRY_SECONDS} s.`,
      { status: 429, type: "rate_limit_error", retryAfter: String(IN_FLIGHT_RETRY_SECONDS) });
  }
  return new NexusError("quota_exceeded",
    `${head} It resets enough to fit at ${new Date(exceeded.resetsAt).toISOString()}, ` +
      `in ${waitSeconds} s.`,
    { status: 429, type: "rate_limit_error", retryAfter: String(waitSeconds) });
}

/**
 * Builds the 503 for a quota store that failed (Valkey down, or a script error). The request
 * is rejected rather than admitted unmetered, and a retry after the store recovers succeeds.
 */
export function quotaUnavailableError(cause: unknown): NexusError {
  return new NexusError("quota_unavailable",
    "The quota store is unavailable, so the request cannot be checked against its quotas " +
      "and was rejected. Retry shortly; if it persists, check the gateway's Valkey server.",
    { status: 503, type: "api_error", retryAfter: "1", cause });
}

function formatAmount(n: number, unit: "tokens" | "usd"): string {
  if (unit === "tokens") return `${n} tokens`;
  return `${Number(n.toFixed(6))} USD`;
}

/** Names the request's own output field, since each API spells it differently. */
function fitAdvice(outputField: string | null): string {
  if (outputField === null) {
    return "Set a lower output token limit (max_tokens, max_completion_tokens or " +
      "max_output_tokens, as the API names it) or shorten the input.";
  }
  return `Lower ${outputField} or shorten the input.`;
}
