import type { ChatChunk, ChatRequest } from "../../../../runtime/canonical/chat.ts";
import type { ResolvedModel, ResolvedTarget } from "../../../../runtime/config/models.ts";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import type { DecodeContext, ProviderCodec } from "../../../../runtime/providers/codec.ts";
import { codecFor } from "../../../../runtime/providers/registry.ts";
import type { Admitted } from "../admit.ts";
import { applyParamPolicy } from "../param-policy.ts";
import type { RequestRecord } from "../request-record.ts";
import { callUpstream, UpstreamAbort, upstreamFailure } from "../upstream/call.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";
import { rejectFailedUpstream } from "../upstream/reject-failed.ts";
import { requireEventStream } from "../upstream/require-event-stream.ts";
import { targetFor } from "../upstream/target.ts";
import { TargetFailure } from "./target-failure.ts";

const DEFAULT_TIMEOUT_MS = 600_000;

/** The inputs shared by every attempt of one chat request. */
export interface ChatAttemptInput {
  request: Request;
  record: RequestRecord;
  admitted: Admitted<ChatRequest>;
  /** Maximum wait per attempt for a stream's first chunk, in ms. */
  firstTokenTimeoutMs: number | undefined;
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

/** A successful attempt: a JSON body, or a stream whose first chunk has arrived. */
export interface ChatAttempt {
  resolved: ResolvedModel;
  codec: ProviderCodec;
  body: ChatRequest;
  decodeContext: DecodeContext;
  abort: UpstreamAbort;
  reply:
    | { kind: "json"; json: unknown }
    | { kind: "stream"; first: IteratorResult<ChatChunk>; rest: AsyncIterator<ChatChunk> };
}

/**
 * Sends the chat request to one target, encoded and with the parameter policy applied for that
 * target's provider type. It waits for the JSON body or the stream's first chunk, so that a
 * failure up to then can still go to another target. Throws a TargetFailure.
 */
export async function attemptChat(
  input: ChatAttemptInput,
  routeTarget: ResolvedTarget,
  budgetMs: number,
): Promise<ChatAttempt> {
  const { record, admitted } = input;
  const resolved = resolvedFor(admitted.resolved, routeTarget);
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
    const body = applyParamPolicy(admitted.body, codec, target, admitted.key, record);
    const stream = body.stream === true;
    const timeoutMs = Math.min(
      routeTarget.provider.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      stream ? input.firstTokenTimeoutMs ?? Infinity : Infinity,
      budgetMs,
    );

    abort = new UpstreamAbort(input.request.signal, timeoutMs, routeTarget.providerId);
    const upstream = await callUpstream(codec.encodeChatRequest(body, target), abort, {
      codec, target, stream, addSecret: (value) => record.addSecret(value),
    });
    status = upstream.status;
    record.addDetail("upstream_status", upstream.status);
    await rejectFailedUpstream(upstream, codec);

    const decodeContext: DecodeContext = { clientModel: body.model, request: body };
    const reply: ChatAttempt["reply"] = stream
      ? await readFirstChunk(upstream, codec, decodeContext)
      : { kind: "json", json: await readUpstreamJson(upstream, abort, routeTarget.providerId) };
    abort.clearDeadline();
    input.addStep({ ...step, status: upstream.status, ms: elapsed(started) });
    return { resolved, codec, body, decodeContext, abort, reply };
  } catch (error) {
    const failure = abort === null ? error : upstreamFailure(error, abort, routeTarget.providerId);
    // Closes the connection of a failed attempt before the next one starts.
    abort?.abort(failure);
    const code = failure instanceof NexusError ? failure.code : "internal_error";
    input.addStep({ ...step, ...(status === null ? {} : { status }), error: code,
      ms: elapsed(started) });
    throw new TargetFailure(failure, status);
  }
}

async function readFirstChunk(
  upstream: Response,
  codec: ProviderCodec,
  decodeContext: DecodeContext,
): Promise<ChatAttempt["reply"]> {
  const source = await requireEventStream(upstream);
  const rest = codec.decodeChatStream(source, decodeContext)[Symbol.asyncIterator]();
  const first = await rest.next();
  return { kind: "stream", first, rest };
}

/** Returns the model as seen by one target, for the codec's target and the traffic event. */
function resolvedFor(model: ResolvedModel, target: ResolvedTarget): ResolvedModel {
  return {
    ...model,
    providerId: target.providerId,
    provider: target.provider,
    model: { ...model.model, provider: target.providerId, upstreamModel: target.upstreamModel },
  };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
