import type { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { describeError } from "../../../runtime/observability/log.ts";
import type { GatewayContext } from "./context.ts";
import type { RequestRecord } from "./request-record.ts";

/**
 * Records a failed request: its traffic event, the upstream-error metric and one log line.
 * Both the error response before any byte and the in-band error of a broken stream go
 * through here, so no failure escapes the logs or the metrics.
 */
export function reportFailure(
  context: GatewayContext,
  record: RequestRecord,
  failure: NexusError,
): void {
  record.addDetail("error_message", failure.message);
  record.finish(failure.status, failure.code);
  if (failure.code.startsWith("upstream_")) {
    context.metrics.upstreamErrors.inc({ provider: record.provider ?? "", code: failure.code });
  }
  context.logger.log(failure.status >= 500 ? "error" : "warn", "request.failed", {
    request_id: record.requestId,
    route: record.route,
    provider: record.provider,
    status: failure.status,
    code: failure.code,
    error: failure.code === "internal_error" ? describeError(failure.cause) : failure.message,
  });
}
