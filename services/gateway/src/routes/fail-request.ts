import { anthropicErrorResponse } from "../../../../runtime/errors/anthropic-shape.ts";
import { toNexusError } from "../../../../runtime/errors/nexus-error.ts";
import { openAIErrorResponse } from "../../../../runtime/errors/openai-shape.ts";
import type { GatewayContext } from "../context.ts";
import type { RequestRecord } from "../request-record.ts";
import { reportFailure } from "../report-failure.ts";
import { ClientDisconnected, type UpstreamAbort, upstreamFailure } from "../upstream/call.ts";

/** The inbound API whose error body a route sends. */
export type ErrorShape = "openai" | "anthropic";

const RENDERERS = { openai: openAIErrorResponse, anthropic: anthropicErrorResponse };

/**
 * Ends a request that failed before any response was sent: records the event, logs the error
 * and renders the error body in `shape`. A client that already left gets no body.
 */
export function failRequest(
  context: GatewayContext,
  record: RequestRecord,
  error: unknown,
  shape: ErrorShape = "openai",
): Response {
  if (error instanceof ClientDisconnected) {
    context.metrics.clientDisconnects.inc({ route: record.route });
    record.finish(499, "client_disconnected");
    return new Response(null, { status: 499, headers: record.responseHeaders() });
  }

  const failure = record.publicError(toNexusError(error));
  reportFailure(context, record, failure);
  return RENDERERS[shape](failure, record.requestId, record.responseHeaders());
}

/**
 * Ends a request that failed before any response was sent, after its upstream call may have
 * started: stops the call's deadline and, when the call was aborted, reports the abort's
 * reason (the client left, the deadline passed) rather than the error it caused.
 */
export function failUpstream(
  context: GatewayContext,
  record: RequestRecord,
  abort: UpstreamAbort | null,
  error: unknown,
  shape: ErrorShape = "openai",
): Response {
  abort?.clearDeadline();
  const failure = abort === null ? error : upstreamFailure(error, abort, record.provider ?? "");
  return failRequest(context, record, failure, shape);
}
