import type { ResolvedModel } from "../../../../runtime/config/models.ts";
import type { Principal } from "../../../../runtime/hooks/stage.ts";
import type { VirtualKey } from "../../../../runtime/identity/keys/types.ts";
import type { GatewayContext } from "../context.ts";
import type { Exchange } from "../exchange.ts";
import type { RequestRecord } from "../request-record.ts";
import type { UpstreamAbort } from "../upstream/call.ts";
import type { ResponsesBody } from "./responses-body.ts";

/** The chat route's default, so a provider behaves the same behind either route. */
const DEFAULT_STREAM_IDLE_MS = 300_000;

/** One admitted `/v1/responses` request, shared by the passthrough and translating paths. */
export interface ResponsesCall {
  context: GatewayContext;
  request: Request;
  exchange: Exchange;
  record: RequestRecord;
  body: ResponsesBody;
  /** The model; once routed, as seen by the target that answered. */
  resolved: ResolvedModel;
  /** Who sent it, for the answer's compliance check; null without compliance. */
  principal: Principal | null;
  key: VirtualKey;
  /** Set when the upstream request starts, so the handler can map a failure by its cause. */
  abort: UpstreamAbort | null;
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
