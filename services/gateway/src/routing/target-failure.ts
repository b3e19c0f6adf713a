import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import type { AttemptFailure } from "../../../../runtime/routing/run-route.ts";
import { ClientDisconnected } from "../upstream/call.ts";

/** The client-facing error of one failed attempt, with the provider's HTTP status if any. */
export class TargetFailure extends Error {
  readonly error: unknown;
  readonly upstreamStatus: number | null;

  constructor(error: unknown, upstreamStatus: number | null) {
    super("routing attempt failed", { cause: error });
    this.name = "TargetFailure";
    this.error = error;
    this.upstreamStatus = upstreamStatus;
  }
}

/**
 * Maps an attempt's failure to what `retryOn` matches: the provider's HTTP status when it
 * returned an error, `timeout` or `unreachable` when no response came, and the error's
 * status when a stream failed before its first chunk (e.g. an `overloaded` event).
 */
export function classifyFailure(thrown: unknown): AttemptFailure {
  const failure = thrown instanceof TargetFailure ? thrown : new TargetFailure(thrown, null);
  const { error, upstreamStatus } = failure;
  if (error instanceof ClientDisconnected) return { trigger: null, retryAfter: null, final: true };
  if (!(error instanceof NexusError)) return { trigger: null, retryAfter: null, final: false };

  const retryAfter = error.retryAfter;
  if (upstreamStatus !== null && upstreamStatus >= 400) {
    return { trigger: upstreamStatus, retryAfter, final: false };
  }
  if (error.code === "upstream_timeout") return { trigger: "timeout", retryAfter, final: false };
  if (error.code === "upstream_unreachable" || error.code === "upstream_stream_cut") {
    return { trigger: "unreachable", retryAfter, final: false };
  }
  const fromStream = upstreamStatus !== null && (error.status === 429 || error.status >= 500);
  return { trigger: fromStream ? error.status : null, retryAfter, final: false };
}

/** Returns the error a failed route reports to the client. */
export function unwrapFailure(error: unknown): unknown {
  return error instanceof TargetFailure ? error.error : error;
}
