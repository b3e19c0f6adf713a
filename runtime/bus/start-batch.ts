import { parseJsonObject } from "./json-message.ts";
import { checkStart, type RequestStart, StartDecodeError } from "./request-start.ts";

/**
 * The start records of one bus message. A gateway publishes its starts in batches
 * (`{"batch": <id>, "starts": [...]}`), and older gateways published one bare start record per
 * message, which a spill file from such a run may still contain.
 */
export interface StartBatch {
  /**
   * Message id it was published under: `<nodeId>:starts:<token>-<sequence>`, or
   * `<requestId>:start` for a single record.
   */
  id: string;
  starts: RequestStart[];
}

const encoder = new TextEncoder();

/**
 * Encodes a batch from start records already in their bus form (`JSON.stringify` of
 * `startFields`), so the publisher can size a batch by its records before it builds one.
 */
export function encodeStartBatch(id: string, startsJson: readonly string[]): Uint8Array {
  return encoder.encode(`{"batch":${JSON.stringify(id)},"starts":[${startsJson.join(",")}]}`);
}

/**
 * Decodes a batch written by `encodeStartBatch`, or a single start record of the older format
 * as a batch of one. Throws `StartDecodeError` when any record of the batch is malformed, so
 * the consumer retries the whole message and then moves it to the dead-letter stream.
 */
export function decodeStartBatch(data: Uint8Array): StartBatch {
  const record = parseJsonObject(data, "start batch",
    (message) => new StartDecodeError(message));
  if (!("starts" in record)) {
    const start = checkStart(record);
    return { id: `${start.requestId}:start`, starts: [start] };
  }

  if (typeof record.batch !== "string" || record.batch === "") {
    throw new StartDecodeError("invalid start batch: field \"batch\" is not a string");
  }
  if (!Array.isArray(record.starts) || record.starts.length === 0) {
    throw new StartDecodeError("invalid start batch: field \"starts\" is not a non-empty array");
  }
  return { id: record.batch, starts: record.starts.map((start) => checkStart(start)) };
}
