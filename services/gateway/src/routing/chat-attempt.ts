import type { ChatChunk, ChatRequest } from "../../../../runtime/canonical/chat.ts";
import type { VirtualKey } from "../../../../runtime/identity/keys/types.ts";
import type { DecodeContext, ProviderCodec } from "../../../../runtime/providers/codec.ts";
import { applyParamPolicy } from "../param-policy.ts";
import type { RequestRecord } from "../request-record.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";
import { requireEventStream } from "../upstream/require-event-stream.ts";
import type { Attempted, TargetCall, TargetSetup } from "./attempt-target.ts";

/** The start of a chat answer: a JSON body, or a stream whose first chunk has arrived. */
export interface ChatReply {
  body: ChatRequest;
  decodeContext: DecodeContext;
  start:
    | { kind: "json"; json: unknown }
    | { kind: "stream"; first: IteratorResult<ChatChunk>; rest: AsyncIterator<ChatChunk> };
}

/** A successful chat attempt. */
export type ChatAttempt = Attempted<ChatReply>;

/**
 * Builds the chat call for one target: the canonical request with the parameter policy
 * applied for that target's provider type, encoded by its codec. Routes that translate
 * their own API into chat (`/v1/messages`, `/v1/responses`) use it too.
 */
export function chatCall(
  request: ChatRequest,
  setup: TargetSetup,
  key: VirtualKey,
  record: RequestRecord,
): TargetCall<ChatReply> {
  const { codec, target } = setup;
  const body = applyParamPolicy(request, codec, target, key, record);
  const stream = body.stream === true;
  const decodeContext: DecodeContext = { clientModel: body.model, request: body };
  return {
    request: codec.encodeChatRequest(body, target),
    stream,
    read: async (upstream, abort) => ({
      body,
      decodeContext,
      start: stream
        ? await readFirstChunk(upstream, codec, decodeContext)
        : { kind: "json", json: await readUpstreamJson(upstream, abort, target.provider) },
    }),
  };
}

async function readFirstChunk(
  upstream: Response,
  codec: ProviderCodec,
  decodeContext: DecodeContext,
): Promise<ChatReply["start"]> {
  const source = await requireEventStream(upstream);
  const rest = codec.decodeChatStream(source, decodeContext)[Symbol.asyncIterator]();
  const first = await rest.next();
  return { kind: "stream", first, rest };
}
