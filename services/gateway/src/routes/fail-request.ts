import { toNexusError } from "../../../../runtime/errors/nexus-error.ts";
import { openAIErrorResponse } from "../../../../runtime/errors/openai-shape.ts";
import { describeError } from "../../../../runtime/observability/log.ts";
import type { GatewayContext } from "../context.ts";
import type { RequestRecord } from "../request-record.ts";
import { ClientDisconnected } from "../upstream/call.ts";

/**
 * Ends a request that failed before any response was sent: records the event, logs the error
 * and renders the OpenAI error body. A client that already left gets no body.
 */
export function failRequest(
  context: GatewayContext,
  record: RequestRecord,
  error: unknown,
): Response {
  if (error instanceof ClientDisconnected) {
    context.metrics.clientDisconnects.inc({ route: record.route });
    record.finish(499, "client_disconnected");
    return new Response(null, { status: 499, headers: record.responseHeaders() });
  }

  const failure = record.publicError(toNexusError(error));
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
  return openAIErrorResponse(failure, record.requestId, record.responseHeaders());
}
