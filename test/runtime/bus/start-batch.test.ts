import { describe, expect, test } from "bun:test";
import {
  encodeStart,
  type RequestStart,
  StartDecodeError,
  startFields,
} from "../../../runtime/bus/request-start.ts";
import { decodeStartBatch, encodeStartBatch } from "../../../runtime/bus/start-batch.ts";

const encoder = new TextEncoder();

function start(requestId: string): RequestStart {
  return {
    requestId, clientRequestId: null, time: 1_700_000_000_000, nodeId: "node-1",
    keyId: "key_1", org: "acme", project: null, route: "/v1/chat/completions",
    model: "gpt-test", provider: null, upstreamModel: null, stream: true,
  };
}

function json(value: RequestStart): string {
  return JSON.stringify(startFields(value));
}

describe("start batch codec", () => {
  test("round-trips a batch", () => {
    const starts = [start("req_a"), start("req_b")];
    const decoded = decodeStartBatch(encodeStartBatch("node-1:starts:t-1", starts.map(json)));

    expect(decoded.id).toBe("node-1:starts:t-1");
    expect(decoded.starts).toEqual(starts);
  });

  test("reads a single start of the older format", () => {
    const decoded = decodeStartBatch(encodeStart(start("req_old")));

    expect(decoded.id).toBe("req_old:start");
    expect(decoded.starts).toEqual([start("req_old")]);
  });

  const valid = json(start("req_ok"));
  const invalid: [string, string, string][] = [
    ["not JSON", "{\"batch\":", "invalid start batch JSON"],
    ["an array", "[]", "expected a JSON object"],
    ["no batch id", `{"starts":[${valid}]}`, "field \"batch\""],
    ["starts not an array", "{\"batch\":\"b-1\",\"starts\":{}}", "field \"starts\""],
    ["empty starts", "{\"batch\":\"b-1\",\"starts\":[]}", "field \"starts\""],
    ["one start malformed", `{"batch":"b-1","starts":[${valid},{"requestId":"req_x"}]}`,
      "field \"time\""],
    ["a start not an object", `{"batch":"b-1","starts":[${valid},7]}`,
      "expected a JSON object"],
    ["a single start without id", "{\"time\":1}", "field \"requestId\""],
  ];
  for (const [name, text, message] of invalid) {
    test(`rejects ${name}`, () => {
      expect(() => decodeStartBatch(encoder.encode(text))).toThrow(StartDecodeError);
      expect(() => decodeStartBatch(encoder.encode(text))).toThrow(message);
    });
  }

  test("rejects invalid UTF-8", () => {
    expect(() => decodeStartBatch(new Uint8Array([0xff, 0xfe]))).toThrow(StartDecodeError);
  });
});
