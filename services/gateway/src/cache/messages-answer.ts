import { type CacheTarget, answerFingerprint, shapingFields } from
  "../../../../runtime/cache/answer-cache-key.ts";
import { invalidUpstream } from "../../../../runtime/providers/anthropic/upstream-errors.ts";
import { toUsage } from "../../../../runtime/providers/anthropic/usage.ts";
import type { AnthropicUsage } from "../../../../runtime/providers/anthropic/wire.ts";
import { encodeMessage } from "../messages/encode-message.ts";
import { translatedEventFormat } from "../messages/stream-format.ts";
import type { Attempted } from "../routing/attempt-target.ts";
import { resumeStream } from "../routing/resume-stream.ts";
import { chatItems } from "../routing/routed-upstream.ts";
import type { MessagesBody } from "../routes/messages-body.ts";
import type { MessagesEvent } from "../routes/messages-events.ts";
import { messagesHeaders, messagesStreamHeaders } from "../routes/messages-headers.ts";
import type { MessagesReply } from "../routes/messages-route.ts";
import { messagesEventFormat } from "../routes/messages-stream.ts";
import { StreamUsage } from "../routes/messages-usage.ts";
import type { FlightItem } from "./chat-cache.ts";
import { chatItemShape, type ChatShapeInput, respondChecked } from "./chat-shape.ts";
import { eitherShape } from "./either-shape.ts";
import type { AnswerShape } from "./serve-flight.ts";

/**
 * `stream` only frames the answer; `metadata` (`user_id`) is attribution that Anthropic uses
 * for abuse detection and the answer does not echo. Every other field counts, including
 * `system`, `tools`, `tool_choice`, `thinking`, `top_k` and fields the gateway does not model.
 */
const IGNORED_MESSAGES_FIELDS = ["stream", "metadata"] as const;

/** An Anthropic target's own answer item: the message object, or one stream event. */
export type AnthropicItem = Record<string, unknown> | MessagesEvent;

/** A Messages flight item: canonical chat from a translated target, else Anthropic's own. */
export type MessagesItem = FlightItem | AnthropicItem;

/**
 * Returns the fingerprint of a Messages request: its shaping fields, the `anthropic-version`
 * and `anthropic-beta` headers (relayed to Anthropic targets, they change the answer), whether
 * a stream must be translated to be scanned (the stored items differ), and the route target.
 */
export function messagesFingerprint(
  body: MessagesBody,
  headers: Headers,
  scanStream: boolean,
  target: CacheTarget,
): string {
  return answerFingerprint("messages", target, {
    request: shapingFields(body, IGNORED_MESSAGES_FIELDS),
    anthropic_version: headers.get("anthropic-version"),
    anthropic_beta: headers.get("anthropic-beta"),
    scan_stream: scanStream,
  });
}

/** Returns a routed Messages answer as flight items (see `routedUpstream`). */
export function messagesItems(attempted: Attempted<MessagesReply>): AsyncIterable<MessagesItem> {
  const { reply } = attempted;
  if (reply.kind === "translated") return chatItems({ ...attempted, reply: reply.chat });
  const { start } = reply;
  if (start.kind === "stream") return resumeStream(start.first, start.rest);

  const json = start.json;
  // Checked here, so that an invalid answer fails the call and is never stored.
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw invalidUpstream("the message is not a JSON object.");
  }
  return (async function* () {
    yield json as Record<string, unknown>;
  })();
}

/** Returns the shape of Messages answers, from either kind of target. */
export function messagesShape(input: ChatShapeInput): AnswerShape<MessagesItem> {
  const { record, clientModel } = input;
  const translated = chatItemShape(input, {
    format: () => translatedEventFormat(clientModel, record),
    streamHeaders: () => messagesStreamHeaders(record),
    respond: (answer) => respondChecked(input, encodeMessage(answer, clientModel),
      () => messagesHeaders(record)),
  });
  return eitherShape(translated, anthropicShape(input));
}

function anthropicShape(input: ChatShapeInput): AnswerShape<AnthropicItem> {
  const { record, clientModel } = input;
  const usage = new StreamUsage(record);
  return {
    json(item) {
      const message = item as Record<string, unknown>;
      message.model = clientModel;
      if (isRecord(message.usage)) record.setUsage(toUsage(message.usage as AnthropicUsage));
      return respondChecked(input, message, () => messagesHeaders(record));
    },
    cacheableJson: (item) => {
      const message = item as Record<string, unknown>;
      return message.type === "message" && isCacheableStop(message.stop_reason);
    },
    // A relayed stream is never scanned: with response stages it is translated instead.
    scan: (items) => items,
    format: () => messagesEventFormat(clientModel, usage),
    streamHeaders: () => messagesStreamHeaders(record),
    cacheableStream: (raw) => isCacheableEvents(raw as MessagesEvent[]),
    onComplete: () => usage.settle(),
  };
}

/** True for a stream that ended with `message_stop` after a stop reason other than refusal. */
function isCacheableEvents(events: readonly MessagesEvent[]): boolean {
  if (events.at(-1)?.type !== "message_stop") return false;
  const delta = events.findLast((event) => event.type === "message_delta");
  const stop = isRecord(delta?.payload.delta) ? delta.payload.delta.stop_reason : null;
  return isCacheableStop(stop);
}

/** True for a finished answer, unless the model refused (`stop_reason: "refusal"`). */
function isCacheableStop(stopReason: unknown): boolean {
  return typeof stopReason === "string" && stopReason !== "refusal";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
