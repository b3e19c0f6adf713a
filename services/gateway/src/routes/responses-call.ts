import type { ResolvedModel } from "../../../../runtime/config/models.ts";
import type { Principal } from "../../../../runtime/hooks/stage.ts";
import type { VirtualKey } from "../../../../runtime/identity/keys/types.ts";
import type {
  ProviderCodec,
  Target,
  UpstreamRequest,
} from "../../../../runtime/providers/codec.ts";
import type { GatewayContext } from "../context.ts";
import type { Exchange } from "../exchange.ts";
import type { RequestRecord } from "../request-record.ts";
import { callUpstream, UpstreamAbort } from "../upstream/call.ts";
import { rejectFailedUpstream } from "../upstream/reject-failed.ts";
import type { ResponsesBody } from "./responses-body.ts";

/** The chat route's defaults, so a provider behaves the same behind either route. */
const DEFAULT_TIMEOUT_MS = 600_000;
const DEFAULT_STREAM_IDLE_MS = 300_000;

/** One admitted `/v1/responses` request, shared by the passthrough and translating paths. */
export interface ResponsesCall {
  context: GatewayContext;
  request: Request;
  exchange: Exchange;
  record: RequestRecord;
  body: ResponsesBody;
  resolved: ResolvedModel;
  /** Who sent it, for the answer's compliance check; null without compliance. */
  principal: Principal | null;
  key: VirtualKey;
  /** Set when the upstream request starts, so the handler can map a failure by its cause. */
  abort: UpstreamAbort | null;
}

/**
 * Sends the provider request with the provider's deadline and throws the client-facing error
 * for a response that is not a success.
 */
export async function sendUpstream(
  call: ResponsesCall,
  upstreamRequest: UpstreamRequest,
  codec: ProviderCodec,
  target: Target,
): Promise<{ upstream: Response; abort: UpstreamAbort }> {
  const { resolved, record } = call;
  call.exchange.holdOpen();
  const abort = new UpstreamAbort(call.request.signal,
    resolved.provider.timeoutMs ?? DEFAULT_TIMEOUT_MS, resolved.providerId);
  call.abort = abort;

  const upstream = await callUpstream(upstreamRequest, abort, {
    codec, target, stream: call.body.stream === true,
    addSecret: (value) => record.addSecret(value),
  });
  record.addDetail("upstream_status", upstream.status);
  await rejectFailedUpstream(upstream, codec);
  return { upstream, abort };
}

/** Returns the provider's mid-stream idle limit in ms. */
export function streamIdleTimeout(call: ResponsesCall): number {
  return call.resolved.provider.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS;
}

/** Returns the headers of an event-stream response. */
export function eventStreamHeaders(record: RequestRecord): Record<string, string> {
  return {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    ...record.responseHeaders(),
  };
}
