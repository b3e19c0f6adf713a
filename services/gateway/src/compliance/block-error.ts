import { type ErrorCode, NexusError, type OpenAIErrorType } from
  "../../../../runtime/errors/nexus-error.ts";
import type { PipelineResult } from "../../../../runtime/hooks/pipeline.ts";

const TYPE_BY_STATUS: Record<number, OpenAIErrorType> = {
  400: "invalid_request_error",
  403: "permission_error",
  413: "invalid_request_error",
  429: "rate_limit_error",
  503: "api_error",
};

const KNOWN_CODES = new Set<string>([
  "request_too_large", "ip_not_allowed", "rate_limited", "keyword_blocked", "data_classified",
  "content_blocked", "compliance_unavailable",
]);

/** Builds the error a client gets when a compliance stage blocks its request or answer. */
export function blockError(result: PipelineResult, phase: "request" | "response"): NexusError {
  const block = result.block!;
  const status = block.status ?? 403;
  const code = (KNOWN_CODES.has(block.code ?? "") ? block.code : "content_blocked") as ErrorCode;
  const what = phase === "request" ? "request" : "answer";
  const retryAfter = block.retryAfterSeconds === undefined ? null : String(block.retryAfterSeconds);

  return new NexusError(code, message(block, code, what), {
    status,
    type: TYPE_BY_STATUS[status] ?? "permission_error",
    retryAfter,
  });
}

/**
 * A stage that failed names only itself: its reason can carry internal details (a webhook's
 * address or timeout, a segment count), which stay in the event's hook records.
 */
function message(block: NonNullable<PipelineResult["block"]>, code: ErrorCode, what: string) {
  if (code === "compliance_unavailable") {
    return `The ${what} could not be checked because the compliance stage '${block.stage}' ` +
      "failed. Try again later.";
  }
  return `The ${what} was blocked by the compliance stage '${block.stage}': ` +
    `${block.reason ?? "no reason given"}`;
}
