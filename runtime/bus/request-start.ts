import type { AuditStart } from "../audit/audit-sink.ts";
import type { TrafficEvent } from "../audit/traffic-event.ts";
import { isJsonObject } from "./json-message.ts";

/**
 * Start record of a request, with the facts the gateway has once it admitted it. It contains
 * no body and no secret, so it is as safe to keep as the event. The request's final event
 * supersedes it, and a record whose final never comes (its node died) becomes a
 * `gateway_lost` event.
 */
export interface RequestStart extends AuditStart {
  /** The gateway process serving it; its heartbeats carry the same id. */
  nodeId: string;
}

/** Error code of the event recorded for a request cut by a lost gateway. */
export const GATEWAY_LOST = "gateway_lost";

/**
 * HTTP 502: the client got no complete response from the gateway, or if it did, the gateway
 * died before it could record how the request ended.
 */
export const GATEWAY_LOST_STATUS = 502;

/** A bus message that is not a start record this version can read. */
export class StartDecodeError extends Error {
  override readonly name = "StartDecodeError";
}

const encoder = new TextEncoder();

/** Encodes the record's own fields only, so no other field of the caller's object leaves. */
export function encodeStart(start: RequestStart): Uint8Array {
  return encoder.encode(JSON.stringify(startFields(start)));
}

/** Copies the record's own fields, the form a start has on the bus. */
export function startFields(start: RequestStart): RequestStart {
  return {
    requestId: start.requestId,
    clientRequestId: start.clientRequestId,
    time: start.time,
    nodeId: start.nodeId,
    keyId: start.keyId,
    org: start.org,
    project: start.project,
    route: start.route,
    model: start.model,
    provider: start.provider ?? null,
    upstreamModel: start.upstreamModel ?? null,
    stream: start.stream,
  };
}

/**
 * Checks that a parsed value is a start record: an object with the fields the store and the
 * sweep rely on. Throws `StartDecodeError` naming the first field that is wrong.
 */
export function checkStart(parsed: unknown): RequestStart {
  if (!isJsonObject(parsed)) {
    throw new StartDecodeError("invalid start record: expected a JSON object");
  }
  const record = parsed;
  const expected: [string, string][] = [
    ["requestId", "string"], ["time", "number"], ["nodeId", "string"], ["route", "string"],
    ["stream", "boolean"],
  ];
  for (const [field, type] of expected) {
    if (typeof record[field] !== type || record[field] === "") {
      throw new StartDecodeError(`invalid start record: field "${field}" is not a ${type}`);
    }
  }
  return record as unknown as RequestStart;
}

/**
 * Builds the event recorded for a request whose gateway died before it ended. `reason` is how
 * the writer detected it (no heartbeat, or too old). The latency runs to that detection, so
 * it is an upper bound.
 */
export function lostEvent(start: RequestStart, now: number, reason: string): TrafficEvent {
  return {
    requestId: start.requestId,
    clientRequestId: start.clientRequestId ?? null,
    time: start.time,
    keyId: start.keyId ?? null,
    org: start.org ?? null,
    project: start.project ?? null,
    route: start.route,
    provider: start.provider ?? null,
    model: start.model ?? null,
    upstreamModel: start.upstreamModel ?? null,
    stream: start.stream,
    status: GATEWAY_LOST_STATUS,
    errorCode: GATEWAY_LOST,
    latencyMs: Math.max(0, now - start.time),
    ttftMs: null,
    inputTokens: null,
    outputTokens: null,
    cachedTokens: null,
    cacheWriteTokens: null,
    reasoningTokens: null,
    costUsd: null,
    detail: {
      node_id: start.nodeId,
      lost: `the request was cut by a lost gateway: node ${start.nodeId} ${reason} before ` +
        "it recorded how the request ended",
    },
  };
}
