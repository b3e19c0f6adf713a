import { describe, expect, test } from "bun:test";
import { DeliveryError, type FailureAction } from "../../../runtime/siem/delivery-error.ts";
import { HecSink } from "../../../runtime/siem/hec-sink.ts";
import { type SiemRecord, trafficRecord } from "../../../runtime/siem/record.ts";
import { signBody, WebhookSink } from "../../../runtime/siem/webhook-sink.ts";
import { sampleEvent, startFakeHttpSink } from "./support.ts";

const records: SiemRecord[] = [
  trafficRecord(sampleEvent({ requestId: "req_a" })),
  { kind: "hook_verdict", id: "v1", time: 2000, data: { stage: "pii", verdict: "block" } },
];
const signal = () => AbortSignal.timeout(2000);

async function failureOf(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(() => null, (caught) => caught);
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

describe("Splunk HEC sink", () => {
  test("posts newline-delimited events with the token", async () => {
    const hec = startFakeHttpSink();
    const sink = new HecSink({
      name: "hec", type: "splunk_hec", url: hec.url, tokenEnv: "X", index: "llm",
    }, "hec-token-1");
    await sink.send(records, signal());

    expect(hec.requests.length).toBe(1);
    const request = hec.requests[0]!;
    expect(request.path).toBe("/services/collector/event");
    expect(request.headers.get("authorization")).toBe("Splunk hec-token-1");
    const lines = request.body.split("\n").map((line) => JSON.parse(line));
    expect(lines.length).toBe(2);
    expect(lines[0].time).toBe(sampleEvent().time / 1000);
    expect(lines[0].sourcetype).toBe("nexus:traffic");
    expect(lines[0].index).toBe("llm");
    expect(lines[0].event.id).toBe("req_a");
    expect(lines[0].event.data.model).toBe("gpt-test");
    expect(lines[1].sourcetype).toBe("nexus:hook_verdict");
    expect(sink.target).not.toContain("hec-token-1");
    await hec.close();
  });

  const outcomes: Array<[number, FailureAction]> = [
    [503, "retry"], [429, "retry"], [500, "retry"], [400, "drop"], [401, "halt"], [403, "halt"],
    [404, "halt"],
  ];
  for (const [status, action] of outcomes) {
    test(`HTTP ${status} means ${action}`, async () => {
      const hec = startFakeHttpSink();
      hec.statuses.push(status);
      const sink = new HecSink({ name: "h", type: "splunk_hec", url: hec.url, tokenEnv: "X" },
        "tok-secret");
      const failure = await failureOf(sink.send(records, signal()));
      expect(failure.action).toBe(action);
      expect(failure.message).toContain(`HTTP ${status}`);
      expect(failure.message).not.toContain("tok-secret");
      await hec.close();
    });
  }

  test("unreachable endpoint means retry", async () => {
    const hec = startFakeHttpSink();
    await hec.close();
    const sink = new HecSink({ name: "h", type: "splunk_hec", url: hec.url, tokenEnv: "X" }, "t");
    expect((await failureOf(sink.send(records, signal()))).action).toBe("retry");
  });
});

describe("webhook sink", () => {
  test("posts a JSON array signed over timestamp and body", async () => {
    const hook = startFakeHttpSink();
    const sink = new WebhookSink({
      name: "w", type: "webhook", url: `${hook.url}/siem`, headers: { "x-team": "sec" },
    }, "hmac-key");
    const before = Math.floor(Date.now() / 1000);
    await sink.send(records, signal());

    const request = hook.requests[0]!;
    expect(request.path).toBe("/siem");
    expect(request.headers.get("x-team")).toBe("sec");
    expect(JSON.parse(request.body)).toEqual(records);
    const timestamp = request.headers.get("x-nexus-timestamp")!;
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
    const expected = new Bun.CryptoHasher("sha256", "hmac-key")
      .update(`${timestamp}.${request.body}`).digest("hex");
    expect(request.headers.get("x-nexus-signature")).toBe(`sha256=${expected}`);
    expect(signBody("hmac-key", timestamp, request.body)).toBe(expected);
    await hook.close();
  });

  test("no signature without a key", async () => {
    const hook = startFakeHttpSink();
    const sink = new WebhookSink({ name: "w", type: "webhook", url: hook.url }, null);
    await sink.send(records, signal());
    expect(hook.requests[0]!.headers.has("x-nexus-signature")).toBe(false);
    await hook.close();
  });

  test("Retry-After is read on 429", async () => {
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => new Response("slow down", { status: 429, headers: { "retry-after": "7" } }),
    });
    const sink = new WebhookSink({
      name: "w", type: "webhook", url: `http://127.0.0.1:${server.port}`,
    }, null);
    const failure = await failureOf(sink.send(records, signal()));
    expect(failure.action).toBe("retry");
    expect(failure.retryAfterMs).toBe(7000);
    await server.stop(true);
  });
});
