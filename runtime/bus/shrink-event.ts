import type { CapturedBodies, CapturedBody } from "../audit/capture-record.ts";
import type { TrafficEvent } from "../audit/traffic-event.ts";
import { truncateInput } from "../errors/truncate-input.ts";
import { encodeEvent } from "./event-codec.ts";

/**
 * NATS's default `max_payload`, used when the server's INFO gives none. The event stream's
 * `max_msg_size` is the same 1 MiB (event-streams.ts), so a larger server limit does not help.
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * Bytes kept free under the limit for the message headers (`Nats-Msg-Id` and the NATS/1.0
 * preamble), which NATS and JetStream count together with the payload.
 */
export const PAYLOAD_HEADROOM_BYTES = 8 * 1024;

/** Maximum characters of a text value in `detail` after the second shrink step. */
export const SHRUNK_DETAIL_TEXT_CHARS = 1000;

/** Maximum characters of a top-level text field (model, route …) after the second step. */
export const SHRUNK_FIELD_CHARS = 256;

/** A shrink step that removed part of an event to make it fit. Steps run in this order. */
export type ShrinkStep = "capture_inline_dropped" | "text_truncated" | "detail_dropped";

export interface EncodedEvent {
  data: Uint8Array;
  /** Size of the event encoded as it was given. */
  originalBytes: number;
  /** Empty when the event fitted as it was. */
  steps: ShrinkStep[];
}

/** Returns the byte limit of one encoded event for a server whose INFO has `maxPayload`. */
export function eventByteLimit(maxPayload: number | undefined): number {
  const payload = Math.min(maxPayload ?? DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_PAYLOAD_BYTES);
  return payload - PAYLOAD_HEADROOM_BYTES;
}

/**
 * Encodes `event`, and when that is over `maxBytes`, shrinks it step by step until it fits.
 * The first step drops the inline capture bytes and marks that in the capture metadata. The
 * second truncates texts in `detail` and the top-level text fields. The last replaces
 * `detail` with the shrink record and the error message. Each step is deterministic, so a
 * retried event encodes to the same bytes. `detail.event_truncated` marks a shrunk event.
 * The result may still be over `maxBytes` after the last step, so the caller checks it.
 */
export function encodeEventWithin(event: TrafficEvent, maxBytes: number): EncodedEvent {
  const data = encodeEvent(event);
  const originalBytes = data.byteLength;
  if (originalBytes <= maxBytes) return { data, originalBytes, steps: [] };

  const steps: ShrinkStep[] = [];
  let current = event;
  let encoded = data;
  for (const [step, shrink] of SHRINK_STEPS) {
    if (encoded.byteLength <= maxBytes) break;
    const next = shrink(current);
    if (next === null) continue;

    steps.push(step);
    current = next;
    encoded = encodeEvent(marked(current, steps, originalBytes));
  }
  return { data: encoded, originalBytes, steps };
}

const SHRINK_STEPS: [ShrinkStep, (event: TrafficEvent) => TrafficEvent | null][] = [
  ["capture_inline_dropped", dropCaptureInline],
  ["text_truncated", truncateTexts],
  ["detail_dropped", dropDetail],
];

/** Adds the shrink record to `detail`, so the stored event states what is missing. */
function marked(event: TrafficEvent, steps: ShrinkStep[], originalBytes: number): TrafficEvent {
  return {
    ...event,
    detail: {
      ...event.detail,
      event_truncated: true,
      event_truncated_steps: [...steps],
      event_original_bytes: originalBytes,
    },
  };
}

/** Removes the inline bytes and marks each body that had some as `inlineDropped`. */
function dropCaptureInline(event: TrafficEvent): TrafficEvent | null {
  if (event.captureInline === undefined) return null;

  const { captureInline: _dropped, ...rest } = event;
  if (event.capture === undefined) return rest;
  const capture: CapturedBodies = {
    ...event.capture,
    request: markDropped(event.capture.request),
    response: markDropped(event.capture.response),
  };
  return { ...rest, capture };
}

function markDropped(body: CapturedBody | null): CapturedBody | null {
  if (body === null || body.inlineBytes === 0) return body;
  return { ...body, inlineDropped: true };
}

/**
 * Truncates every text in `detail`, at any depth, and the free-text top-level fields. The
 * request id, key id and org stay whole because they identify the event and its caller.
 */
function truncateTexts(event: TrafficEvent): TrafficEvent {
  const field = (value: string | null) =>
    value === null ? null : truncateInput(value, SHRUNK_FIELD_CHARS);
  return {
    ...event,
    clientRequestId: field(event.clientRequestId),
    route: truncateInput(event.route, SHRUNK_FIELD_CHARS),
    provider: field(event.provider),
    model: field(event.model),
    upstreamModel: field(event.upstreamModel),
    errorCode: field(event.errorCode),
    project: field(event.project),
    detail: truncateDeep(event.detail) as Record<string, unknown>,
  };
}

function truncateDeep(value: unknown): unknown {
  if (typeof value === "string") return truncateInput(value, SHRUNK_DETAIL_TEXT_CHARS);
  if (Array.isArray(value)) return value.map(truncateDeep);
  if (typeof value !== "object" || value === null) return value;

  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = truncateDeep(item);
  return copy;
}

/**
 * Replaces `detail` with the error message alone (already truncated by the step before), for
 * a detail too large even with short texts, such as one with very many entries or long keys.
 */
function dropDetail(event: TrafficEvent): TrafficEvent {
  const message = event.detail.error_message;
  const detail: Record<string, unknown> = { detail_dropped: true };
  if (typeof message === "string") detail.error_message = message;
  return { ...event, detail };
}
