import type { VirtualKey } from "../../../../runtime/identity/keys/types.ts";
import { buildUpstreamRequest } from "../../../../runtime/providers/openai/upstream-request.ts";
import type { RequestRecord } from "../request-record.ts";
import { type ResponsesEvent, readResponsesEvents } from "../responses/read-events.ts";
import { toChatRequest } from "../responses/decode-request.ts";
import type { Attempted, TargetCall, TargetSetup } from "../routing/attempt-target.ts";
import { chatCall } from "../routing/chat-attempt.ts";
import { type RouteRequestInput, routeRequest } from "../routing/route-request.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";
import { requireEventStream } from "../upstream/require-event-stream.ts";
import type { ResponsesBody } from "./responses-body.ts";
import { type TranslatedReply, translatedCall } from "./translated-call.ts";

/** Deadline of a target whose provider sets no `timeoutMs`, as on the chat route, in ms. */
const DEFAULT_TIMEOUT_MS = 600_000;

/** Provider types that serve the Responses API themselves, so requests are relayed as sent. */
const RESPONSES_NATIVE = new Set(["openai"]);

/**
 * The start of a Responses answer. `passthrough` is the answer of a target that serves the
 * Responses API itself (its parsed JSON and exact text, or its stream); `translated` is a
 * canonical chat answer from any other target.
 */
export type ResponsesReply =
  | {
    kind: "passthrough";
    start:
      | { kind: "json"; answer: unknown; text: string }
      | {
        kind: "stream";
        first: IteratorResult<ResponsesEvent>;
        rest: AsyncIterator<ResponsesEvent>;
      };
  }
  | TranslatedReply;

/** The inputs shared by every attempt of one Responses request. */
export interface ResponsesCallInput {
  body: ResponsesBody;
  key: VirtualKey;
  record: RequestRecord;
  /** True when a stream must be translated so that response stages can scan it. */
  scanStream: boolean;
}

/**
 * Builds the Responses call for one target: relayed as sent (only `model` changes) to a
 * target that serves the Responses API, unless the stream must be scanned, else translated
 * into a chat request for the target's codec. The choice is made per target, so a route can
 * fall back between the two.
 */
export function responsesCall(
  input: ResponsesCallInput,
  setup: TargetSetup,
): TargetCall<ResponsesReply> {
  const { body } = input;
  const { target } = setup;
  if (!RESPONSES_NATIVE.has(setup.codec.type) || input.scanStream) {
    return translatedCall(chatCall(toChatRequest(body), setup, input.key, input.record));
  }

  const stream = body.stream === true;
  return {
    request: buildUpstreamRequest(target, "/responses", { ...body, model: target.upstreamModel }),
    stream,
    read: async (upstream, abort) => {
      if (stream) {
        const source = await requireEventStream(upstream);
        const rest = readResponsesEvents(source)[Symbol.asyncIterator]();
        const first = await rest.next();
        return { kind: "passthrough", start: { kind: "stream", first, rest } };
      }
      // The clone is parsed with the shared error mapping, and the original keeps the text.
      const answer = await readUpstreamJson(upstream.clone(), abort, target.provider);
      const text = await upstream.text();
      return { kind: "passthrough", start: { kind: "json", answer, text } };
    },
  };
}

/**
 * Sends a Responses request along its planned route, each attempt built for its target (see
 * `responsesCall`). This is the routed upstream call of the route, for the cache to wrap.
 */
export function routeResponses(
  route: Omit<RouteRequestInput, "defaultTimeoutMs">,
  input: ResponsesCallInput,
): Promise<Attempted<ResponsesReply>> {
  return routeRequest({ ...route, defaultTimeoutMs: DEFAULT_TIMEOUT_MS },
    (setup) => responsesCall(input, setup));
}
