import { type CacheTarget, answerFingerprint, shapingFields } from
  "../../../../runtime/cache/answer-cache-key.ts";
import { isRecord } from "../../../../runtime/providers/openai/is-record.ts";
import { responseStagesApply } from "../compliance/check.ts";
import { toResponseObject } from "../responses/encode-response.ts";
import { newItemId } from "../responses/ids.ts";
import { passthroughEventFormat } from "../responses/passthrough-format.ts";
import type { ResponsesEvent } from "../responses/read-events.ts";
import { ResponsesStreamWriter } from "../responses/stream-writer.ts";
import { translatedEventFormat } from "../responses/translated-format.ts";
import { invalidResponsesUpstream } from "../responses/upstream-errors.ts";
import type { Attempted } from "../routing/attempt-target.ts";
import { resumeStream } from "../routing/resume-stream.ts";
import { chatItems } from "../routing/routed-upstream.ts";
import type { ResponsesBody } from "../routes/responses-body.ts";
import { eventStreamHeaders, type ResponsesCall } from "../routes/responses-call.ts";
import { answerJson } from "../routes/responses-passthrough.ts";
import type { ResponsesReply } from "../routes/responses-route.ts";
import type { FlightItem } from "./chat-cache.ts";
import { chatItemShape, respondChecked } from "./chat-shape.ts";
import { eitherShape } from "./either-shape.ts";
import type { AnswerShape } from "./serve-flight.ts";

/**
 * Only the framing fields. The `response` object echoes the request's parameters (`metadata`,
 * `user`, `store`, `instructions`, `tools`, `text`, `reasoning`, ...), so every other field
 * shapes the answer the client gets.
 */
const IGNORED_RESPONSES_FIELDS = ["stream", "stream_options"] as const;

/**
 * A Responses target's own answer item: the JSON body as the provider sent it (so a hit
 * relays the same bytes), or one stream event.
 */
export type ResponsesOwnItem = string | ResponsesEvent;

export type ResponsesItem = FlightItem | ResponsesOwnItem;

/**
 * Returns the fingerprint of a Responses request: its shaping fields, whether a stream must
 * be translated to be scanned (the stored items differ), and the route target.
 */
export function responsesFingerprint(
  body: ResponsesBody,
  scanStream: boolean,
  target: CacheTarget,
): string {
  return answerFingerprint("responses", target, {
    request: shapingFields(body, IGNORED_RESPONSES_FIELDS),
    scan_stream: scanStream,
  });
}

/** Returns a routed Responses answer as flight items (see `routedUpstream`). */
export function responsesItems(
  attempted: Attempted<ResponsesReply>,
): AsyncIterable<ResponsesItem> {
  const { reply } = attempted;
  if (reply.kind === "translated") return chatItems({ ...attempted, reply: reply.chat });
  const { start } = reply;
  if (start.kind === "stream") return resumeStream(start.first, start.rest);

  // Checked here, so that an invalid answer fails the call and is never stored.
  if (!isRecord(start.answer)) {
    throw invalidResponsesUpstream("the response is not a JSON object.");
  }
  const text = start.text;
  return (async function* () {
    yield text;
  })();
}

/** Returns the shape of Responses answers, from either kind of target. */
export function responsesShape(call: ResponsesCall): AnswerShape<ResponsesItem> {
  const { context, record, principal, body } = call;
  const input = { context, record, principal, clientModel: body.model };
  const translated = chatItemShape(input, {
    format: () => {
      const createdAt = Math.floor(Date.now() / 1000);
      const writer = new ResponsesStreamWriter({ id: newItemId("resp"), createdAt, body });
      return translatedEventFormat(writer, record);
    },
    streamHeaders: () => eventStreamHeaders(record),
    respond: (answer) => respondChecked(input, toResponseObject(answer, body),
      () => record.responseHeaders()),
  });
  return eitherShape(translated, relayedShape(call));
}

function relayedShape(call: ResponsesCall): AnswerShape<ResponsesOwnItem> {
  const { record, body } = call;
  return {
    async json(item) {
      const answer = JSON.parse(item as string) as Record<string, unknown>;
      // `answerJson` names the client's model before the response pipeline sees the answer.
      const unchecked = JSON.stringify({ ...answer, model: body.model });
      const response = await answerJson(call, answer, item as string);
      const scanned = responseStagesApply(call.context, call.principal);
      return { response, clean: !scanned || JSON.stringify(answer) === unchecked };
    },
    cacheableJson: (item) => isCacheableResponse(JSON.parse(item as string)),
    // A relayed stream is never scanned: with response stages it is translated instead.
    scan: (items) => items,
    format: () => passthroughEventFormat(body.model, record),
    streamHeaders: () => eventStreamHeaders(record),
    cacheableStream: (raw) => isCacheableEvents(raw as ResponsesEvent[]),
  };
}

/**
 * True for a stream that ended with `response.completed` and carried no refusal. An
 * `incomplete` answer (cut by `max_output_tokens` or by the provider's content filter) is
 * not stored.
 */
function isCacheableEvents(events: readonly ResponsesEvent[]): boolean {
  const last = events.at(-1);
  if (last?.type !== "response.completed") return false;
  if (events.some((event) => event.type.startsWith("response.refusal."))) return false;
  return isCacheableResponse(last.payload.response);
}

/** True for a `response` object whose status is `completed` and whose output has no refusal. */
function isCacheableResponse(response: unknown): boolean {
  if (!isRecord(response) || response.status !== "completed") return false;
  const output = Array.isArray(response.output) ? response.output : [];
  return output.every((item) => {
    const content = isRecord(item) && Array.isArray(item.content) ? item.content : [];
    return content.every((part) => !isRecord(part) || part.type !== "refusal");
  });
}
