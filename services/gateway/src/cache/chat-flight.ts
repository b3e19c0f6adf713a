import type { ChatRequest } from "../../../../runtime/canonical/chat.ts";
import type { ResolvedModel } from "../../../../runtime/config/models.ts";
import type { DecodeContext, ProviderCodec, Target } from
  "../../../../runtime/providers/codec.ts";
import type { RequestRecord } from "../request-record.ts";
import { withRequiredNulls } from "../required-nulls.ts";
import { callUpstream } from "../upstream/call.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";
import { rejectFailedUpstream } from "../upstream/reject-failed.ts";
import { requireEventStream } from "../upstream/require-event-stream.ts";
import type { FlightItem } from "./chat-cache.ts";
import type { UpstreamItems } from "./flight.ts";

export interface FlightCall {
  codec: ProviderCodec;
  target: Target;
  resolved: ResolvedModel;
  body: ChatRequest;
  /** The record of the request that started the call; it gets the upstream status. */
  record: RequestRecord;
}

/**
 * Returns the upstream call of a canonical chat request through the provider's codec: the
 * decoded answer (JSON) or the decoded chunks (stream), before any response-stage check.
 */
export function chatUpstreamItems(call: FlightCall): UpstreamItems<FlightItem> {
  const { codec, target, body, resolved, record } = call;
  const stream = body.stream === true;
  return async function* (abort, addSecret) {
    const upstream = await callUpstream(codec.encodeChatRequest(body, target), abort, {
      codec, target, stream, addSecret,
    });
    record.addDetail("upstream_status", upstream.status);
    await rejectFailedUpstream(upstream, codec);

    const decodeContext: DecodeContext = { clientModel: body.model, request: body };
    if (!stream) {
      const json = await readUpstreamJson(upstream, abort, resolved.providerId);
      yield withRequiredNulls(codec.decodeChatResponse(json, decodeContext));
      return;
    }
    const source = await requireEventStream(upstream);
    yield* codec.decodeChatStream(source, decodeContext);
  };
}
