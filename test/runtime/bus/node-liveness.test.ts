import { describe, expect, test } from "bun:test";
import { NodeLiveness } from "../../../runtime/bus/node-liveness.ts";
import type { RequestStart } from "../../../runtime/bus/request-start.ts";

function start(nodeId: string, time: number): RequestStart {
  return {
    requestId: `req_${crypto.randomUUID()}`, clientRequestId: null, time, nodeId,
    keyId: null, org: null, project: null, route: "/v1/chat/completions", model: null,
    stream: false,
  };
}

describe("node liveness", () => {
  test("node gone after dead-after silence", () => {
    const liveness = new NodeLiveness({ deadAfterMs: 1000, maxRequestAgeMs: 60_000 });
    const now = Date.now();
    liveness.heard("node-a", now);
    expect(liveness.lostReason(start("node-a", now), now + 999)).toBeNull();
    expect(liveness.lostReason(start("node-a", now), now + 1000))
      .toBe("sent no heartbeat for 1000 ms");
    // A beat renews the node.
    liveness.heard("node-a", now + 900);
    expect(liveness.lostReason(start("node-a", now), now + 1500)).toBeNull();
  });

  test("silence counts after listening dead-after", () => {
    const liveness = new NodeLiveness({ deadAfterMs: 1000, maxRequestAgeMs: 60_000 });
    const now = Date.now();
    // Never heard, but the writer only just started listening: it may simply be deaf.
    expect(liveness.lostReason(start("node-b", now - 30_000), now + 10)).toBeNull();
    expect(liveness.lostReason(start("node-b", now - 30_000), now + 1000)).not.toBeNull();
  });

  test("request past max age is lost", () => {
    const liveness = new NodeLiveness({ deadAfterMs: 1000, maxRequestAgeMs: 5000 });
    const now = Date.now();
    liveness.heard("node-c", now + 5000);
    expect(liveness.lostReason(start("node-c", now), now + 5000))
      .toContain("maximum request age of 5000 ms");
  });
});

describe("node liveness across a writer outage", () => {
  test("no node gone while the writer is disconnected", () => {
    const liveness = new NodeLiveness({ deadAfterMs: 1000, maxRequestAgeMs: 60_000 });
    const now = Date.now();
    liveness.heard("node-d", now);
    liveness.disconnected();
    expect(liveness.lostReason(start("node-d", now), now + 5000)).toBeNull();

    // Back on the bus, the node gets a full dead-after to be heard again.
    liveness.reconnected(now + 5000);
    expect(liveness.lostReason(start("node-d", now), now + 5999)).toBeNull();
    expect(liveness.lostReason(start("node-d", now), now + 6000)).not.toBeNull();
  });

  test("default dead-after outlasts a short outage", () => {
    const liveness = new NodeLiveness();
    const now = Date.now();
    liveness.heard("node-e", now);
    expect(liveness.lostReason(start("node-e", now), now + 14_000)).toBeNull();
    expect(liveness.lostReason(start("node-e", now), now + 15_000)).not.toBeNull();
  });
});
