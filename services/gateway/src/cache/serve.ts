import type { Principal } from "../../../../runtime/hooks/stage.ts";
import type { RequestCapture } from "../capture.ts";
import type { GatewayContext } from "../context.ts";
import type { RequestRecord } from "../request-record.ts";
import { eventStreamHeaders } from "../routes/responses-call.ts";
import { chatChunkFormat } from "../sse-stream.ts";
import type { ChatCache, FlightItem } from "./chat-cache.ts";
import { chatUpstreamItems, type FlightCall } from "./chat-flight.ts";
import {
  chatItemShape,
  type ChatPresentation,
  type ChatShapeInput,
  respondChecked,
} from "./chat-shape.ts";
import type { UpstreamItems } from "./flight.ts";
import type { CachePlan } from "./plan.ts";
import { serveCached } from "./serve-cached.ts";
import { addSemantic, lookupSemantic } from "./semantic-step.ts";

/** Maximum silence from a provider mid-stream, in ms, before the stream counts as stalled. */
const DEFAULT_STREAM_IDLE_MS = 300_000;
const DEFAULT_TIMEOUT_MS = 600_000;

export interface CachedChatInput {
  context: GatewayContext;
  cache: ChatCache;
  request: Request;
  record: RequestRecord;
  plan: CachePlan;
  call: FlightCall;
  principal: Principal | null;
  capture: RequestCapture | null;
  route: string;
  /**
   * The routed upstream call a miss makes, with the deadline to give it (routing keeps its
   * own per attempt). When absent, a miss calls `call`'s target directly.
   */
  routed?: { upstream: UpstreamItems<FlightItem>; timeoutMs: number };
}

/**
 * Serves a chat request through the cache (see `serveCached`), with the semantic step after
 * an exact miss.
 */
export function serveChatWithCache(input: CachedChatInput): Promise<Response> {
  const { call } = input;
  const shape: ChatShapeInput = { ...input, clientModel: call.body.model };
  return serveCached<FlightItem>({
    ...input,
    stream: call.body.stream === true,
    upstream: input.routed?.upstream ?? chatUpstreamItems(call),
    providerId: call.resolved.providerId,
    timeoutMs: input.routed?.timeoutMs ?? call.resolved.provider.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    idleTimeoutMs: call.resolved.provider.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS,
    shape: chatItemShape(shape, chatPresentation(input, shape)),
    semantic: {
      lookup: () => lookupSemantic(input),
      add: (vector, answer) => addSemantic(input, vector, answer),
    },
  });
}

/** Returns the chat route's encoding: the canonical response, or chunks framed as chat SSE. */
function chatPresentation(input: CachedChatInput, shape: ChatShapeInput): ChatPresentation {
  const { record } = input;
  const includeUsage = input.call.body.stream_options?.include_usage === true;
  return {
    format: () => chatChunkFormat(record, includeUsage),
    streamHeaders: () => eventStreamHeaders(record),
    respond: (answer) => respondChecked(shape, answer, () => record.responseHeaders()),
  };
}
