import type { ResolvedModel, ResolvedTarget } from "../../../../runtime/config/models.ts";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import type {
  ProviderCodec,
  Target,
  UpstreamRequest,
} from "../../../../runtime/providers/codec.ts";
import { codecFor } from "../../../../runtime/providers/registry.ts";
import type { RequestRecord } from "../request-record.ts";
import {
  callUpstream, ClientDisconnected, UpstreamAbort, upstreamFailure,
} from "../upstream/call.ts";
import { rejectFailedUpstream } from "../upstream/reject-failed.ts";
import { targetFor } from "../upstream/target.ts";
import { TargetFailure } from "./target-failure.ts";

/** The inputs shared by every attempt of one routed request. */
export interface AttemptInput {
  /** Ends every attempt when it aborts: the client's signal, or a shared cache call's. */
  signal: AbortSignal;
  record: RequestRecord;
  /** Receives credentials obtained during a call; the record's `addSecret` when absent. */
  addSecret?: (value: string) => void;
  /** Deadline of a target whose provider sets no `timeoutMs`, in ms. */
  defaultTimeoutMs: number;
  /** Maximum wait per attempt for a stream's first chunk, in ms. */
  firstTokenTimeoutMs: number | undefined;
  /** The route's whole-request `timeoutMs` as configured, named when it cuts an attempt. */
  routingTimeoutMs: number | undefined;
  /** Adds one entry to the route shown in the traffic event. */
  addStep(step: RouteStep): void;
  /** Entries added so far, skipped targets included. */
  stepCount(): number;
}

/** One entry of `detail.route` in the traffic event. */
export interface RouteStep {
  provider: string;
  upstreamModel: string;
  status?: number;
  error?: string;
  ms: number;
}

/** The target of one attempt, as a route needs it to build the provider request. */
export interface TargetSetup {
  /** The model as seen by this target. */
  resolved: ResolvedModel;
  target: Target;
  codec: ProviderCodec;
}

/** A route's provider request for one target, and how to read the start of its answer. */
export interface TargetCall<R> {
  request: UpstreamRequest;
  stream: boolean;
  /** Throws the client-facing error of a failed response; `rejectFailedUpstream` when absent. */
  reject?(upstream: Response): Promise<void>;
  /**
   * Reads the JSON body, or a stream up to its first item. Whatever fails in here can still
   * go to another target, because nothing has reached the client yet.
   */
  read(upstream: Response, abort: UpstreamAbort): Promise<R>;
}

/** Builds one target's call; it may throw (e.g. an unsupported parameter for that provider). */
export type BuildCall<R> = (setup: TargetSetup) => TargetCall<R>;

/** A successful attempt: the target it went to and the start of the answer. */
export interface Attempted<R> {
  resolved: ResolvedModel;
  codec: ProviderCodec;
  abort: UpstreamAbort;
  reply: R;
}

/**
 * Sends the request to one target, built by the route for that target's provider type, and
 * waits for the JSON body or the stream's first item. Records the step. Throws a TargetFailure.
 */
export async function attemptTarget<R>(
  input: AttemptInput,
  model: ResolvedModel,
  routeTarget: ResolvedTarget,
  budgetMs: number,
  build: BuildCall<R>,
): Promise<Attempted<R>> {
  const { record } = input;
  const resolved = resolvedFor(model, routeTarget);
  record.setTarget(resolved);
  const started = performance.now();
  const step = { provider: routeTarget.providerId, upstreamModel: routeTarget.upstreamModel };
  let abort: UpstreamAbort | null = null;
  let status: number | null = null;

  try {
    const codec = codecFor(routeTarget.provider.type);
    const target = targetFor(resolved);
    record.addTargetSecrets(target);
    // The parameters an earlier target dropped may be honoured by this one.
    if (input.stepCount() > 0) record.setDroppedParams([]);
    const call = build({ resolved, target, codec });
    const attemptLimitMs = Math.min(
      routeTarget.provider.timeoutMs ?? input.defaultTimeoutMs,
      call.stream ? input.firstTokenTimeoutMs ?? Infinity : Infinity,
    );
    const timeoutMs = Math.min(attemptLimitMs, budgetMs);

    // When the rest of the routing timeout is the tighter deadline, the error names the
    // configured routing timeout, not the few ms that happened to be left of it.
    const budgetMessage = budgetMs < attemptLimitMs && input.routingTimeoutMs !== undefined
      ? `No target of model '${model.name}' answered within its routing timeout of ` +
        `${input.routingTimeoutMs} ms.`
      : undefined;
    abort = new UpstreamAbort(input.signal, timeoutMs, routeTarget.providerId, budgetMessage);
    const upstream = await callUpstream(call.request, abort, {
      codec, target, stream: call.stream,
      addSecret: input.addSecret ?? ((value) => record.addSecret(value)),
    });
    status = upstream.status;
    record.addDetail("upstream_status", upstream.status);
    await (call.reject?.(upstream) ?? rejectFailedUpstream(upstream, codec));

    const reply = await call.read(upstream, abort);
    abort.clearDeadline();
    input.addStep({ ...step, status: upstream.status, ms: elapsed(started) });
    return { resolved, codec, abort, reply };
  } catch (error) {
    const failure = abort === null ? error : upstreamFailure(error, abort, routeTarget.providerId);
    // Closes the connection of a failed attempt before the next one starts.
    abort?.abort(failure);
    const code = stepErrorCode(failure, input.signal);
    input.addStep({ ...step, ...(status === null ? {} : { status }), error: code,
      ms: elapsed(started) });
    throw new TargetFailure(failure, status);
  }
}

/** Returns the model as seen by one target, for the codec's target and the traffic event. */
export function resolvedFor(model: ResolvedModel, target: ResolvedTarget): ResolvedModel {
  return {
    ...model,
    providerId: target.providerId,
    provider: target.provider,
    model: { ...model.model, provider: target.providerId, upstreamModel: target.upstreamModel },
  };
}

/**
 * Returns the error code of a failed attempt for the event's route. A client that left is
 * `client_disconnected`, not a fault of the gateway, even when the failure is a plain abort
 * error raised before the upstream abort was wired up.
 */
function stepErrorCode(failure: unknown, signal: AbortSignal): string {
  if (failure instanceof NexusError) return failure.code;
  if (failure instanceof ClientDisconnected || signal.aborted) return "client_disconnected";
  return "internal_error";
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
