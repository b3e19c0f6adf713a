import type { VirtualKey } from "../../../../runtime/identity/keys/types.ts";
import { decodeMessagesRequest } from "../messages/decode-request.ts";
import { validateAnthropicRequest } from "../messages/request-schema.ts";
import { targetFormat } from "../messages/target-format.ts";
import type { RequestRecord } from "../request-record.ts";
import type { Attempted, TargetCall, TargetSetup } from "../routing/attempt-target.ts";
import { chatCall } from "../routing/chat-attempt.ts";
import { type RouteRequestInput, routeRequest } from "../routing/route-request.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";
import { requireEventStream } from "../upstream/require-event-stream.ts";
import type { MessagesBody } from "./messages-body.ts";
import { type MessagesEvent, readMessagesEvents } from "./messages-events.ts";
import { buildMessagesRequest, rejectFailedMessages } from "./messages-upstream.ts";
import { type TranslatedReply, translatedCall } from "./translated-call.ts";

/**
 * The start of a Messages answer. `passthrough` is an Anthropic target's own answer or
 * stream; `translated` is a canonical chat answer from a target of another format.
 */
export type MessagesReply =
  | {
    kind: "passthrough";
    start:
      | { kind: "json"; json: unknown }
      | {
        kind: "stream";
        first: IteratorResult<MessagesEvent>;
        rest: AsyncIterator<MessagesEvent>;
      };
  }
  | TranslatedReply;

/** The inputs shared by every attempt of one Messages request. */
export interface MessagesCallInput {
  body: MessagesBody;
  clientHeaders: Headers;
  key: VirtualKey;
  record: RequestRecord;
  /** True when a stream must be translated so that response stages can scan it. */
  scanStream: boolean;
}

/**
 * Builds the Messages call for one target. An Anthropic target gets the client's body as
 * sent (only `model` changes), unless the stream must be scanned. Every other target gets it
 * translated into a canonical chat request for its codec. The choice is made per target, so a
 * route can fall back from an Anthropic target to one of another format.
 */
export function messagesCall(
  input: MessagesCallInput,
  setup: TargetSetup,
): TargetCall<MessagesReply> {
  const { body } = input;
  if (setup.codec.type !== "anthropic" || input.scanStream) {
    const decoded = decodeMessagesRequest(validateAnthropicRequest(body),
      targetFormat(setup.codec.type));
    return translatedCall(chatCall(decoded, setup, input.key, input.record));
  }

  const stream = body.stream === true;
  return {
    request: buildMessagesRequest(body, input.clientHeaders, setup.target),
    stream,
    reject: rejectFailedMessages,
    read: async (upstream, abort) => {
      if (!stream) {
        const json = await readUpstreamJson(upstream, abort, setup.target.provider);
        return { kind: "passthrough", start: { kind: "json", json } };
      }
      const source = await requireEventStream(upstream);
      const rest = readMessagesEvents(source)[Symbol.asyncIterator]();
      const first = await rest.next();
      return { kind: "passthrough", start: { kind: "stream", first, rest } };
    },
  };
}

/** Deadline of a target whose provider sets no `timeoutMs`, as on the chat route, in ms. */
const DEFAULT_TIMEOUT_MS = 600_000;

/**
 * Sends a Messages request along its planned route, each attempt built for its target (see
 * `messagesCall`). This is the routed upstream call of the route, for the cache to wrap.
 */
export function routeMessages(
  route: Omit<RouteRequestInput, "defaultTimeoutMs">,
  input: MessagesCallInput,
): Promise<Attempted<MessagesReply>> {
  return routeRequest({ ...route, defaultTimeoutMs: DEFAULT_TIMEOUT_MS },
    (setup) => messagesCall(input, setup));
}
