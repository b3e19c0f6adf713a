import { describe, expect, test } from "bun:test";
import type { TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import { formatCef } from "../../../runtime/siem/cef.ts";
import { escapeCefHeader, escapeCefValue } from "../../../runtime/siem/cef-escape.ts";
import { trafficRecord } from "../../../runtime/siem/record.ts";
import { parseCef, sampleEvent } from "./support.ts";

describe("CEF escaping", () => {
  const headerCases: Array<[string, string]> = [
    ["plain", "plain"],
    ["a|b", "a\\|b"],
    ["back\\slash", "back\\\\slash"],
    ["a=b", "a=b"],
    ["two\nlines", "two lines"],
  ];
  for (const [input, expected] of headerCases) {
    test(`header ${JSON.stringify(input)}`, () => {
      expect(escapeCefHeader(input)).toBe(expected);
    });
  }

  const valueCases: Array<[string, string]> = [
    ["a=b", "a\\=b"],
    ["back\\slash", "back\\\\slash"],
    ["line\nbreak", "line\\nbreak"],
    ["crlf\r\nend", "crlf\\nend"],
    ["cr\rend", "cr\\rend"],
    ["pipe|stays", "pipe|stays"],
  ];
  for (const [input, expected] of valueCases) {
    test(`extension value ${JSON.stringify(input)}`, () => {
      expect(escapeCefValue(input)).toBe(expected);
    });
  }
});

describe("CEF traffic event", () => {
  test("header fields and standard keys", () => {
    const line = formatCef(trafficRecord(sampleEvent()), "1.2.3").text;
    expect(line.startsWith("CEF:0|Nexus|Gateway|1.2.3|traffic|LLM request|3|")).toBe(true);

    const { extensions } = parseCef(line);
    expect(extensions.get("rt")).toBe("1767000000123");
    expect(extensions.get("externalId")).toBe("req_1");
    expect(extensions.get("suid")).toBe("key_9");
    expect(extensions.get("request")).toBe("/v1/chat/completions");
    expect(extensions.get("outcome")).toBe("success");
    expect(extensions.get("cat")).toBe("traffic");
  });

  test("labelled custom fields", () => {
    const { extensions } = parseCef(formatCef(trafficRecord(sampleEvent()), "1").text);
    const labelled = new Map<string, string>();
    for (const [key, value] of extensions) {
      const label = extensions.get(`${key}Label`);
      if (label !== undefined) labelled.set(label, value);
    }
    expect(labelled.get("org")).toBe("acme");
    expect(labelled.get("project")).toBe("apollo");
    expect(labelled.get("model")).toBe("gpt-test");
    expect(labelled.get("provider")).toBe("openai");
    expect(labelled.get("upstreamModel")).toBe("gpt-4o-mini");
    expect(labelled.get("httpStatus")).toBe("200");
    expect(labelled.get("inputTokens")).toBe("11");
    expect(labelled.get("outputTokens")).toBe("7");
    expect(labelled.get("costUsd")).toBe("0.000123");
    expect(labelled.get("latencyMs")).toBe("12.5");
  });

  test("missing values leave out key and label", () => {
    const event = sampleEvent({ org: null, costUsd: null, keyId: null });
    const { extensions } = parseCef(formatCef(trafficRecord(event), "1").text);
    expect(extensions.has("suid")).toBe(false);
    expect(extensions.has("cs1")).toBe(false);
    expect(extensions.has("cs1Label")).toBe(false);
    expect(extensions.has("cfp1Label")).toBe(false);
  });

  test("blocked request maps hooks, reason and source", () => {
    const event = sampleEvent({
      status: 400,
      errorCode: "keyword_blocked",
      detail: {
        client_ip: "10.1.2.3",
        hooks: [
          { stage: "pii", phase: "request", verdict: "redact", findings: 1, durationMs: 1 },
          {
            stage: "keyword_filter", phase: "request", verdict: "block",
            reason: "matched a=b | c\nd", findings: 1, durationMs: 1,
          },
        ],
      },
    });
    const line = formatCef(trafficRecord(event), "1").text;
    const { header, extensions } = parseCef(line);
    expect(header[5]).toBe("LLM request blocked");
    expect(header[6]).toBe("8");
    expect(extensions.get("outcome")).toBe("blocked");
    expect(extensions.get("reason")).toBe("keyword_blocked");
    expect(extensions.get("src")).toBe("10.1.2.3");
    expect(extensions.get("msg")).toBe("matched a=b | c\nd");
    expect(extensions.get("cs5Label")).toBe("hookVerdicts");
    expect(extensions.get("cs5")).toBe("request/pii=redact,request/keyword_filter=block");
    expect(line).not.toContain("\n");
  });

  test("failed request is severity 5", () => {
    const { header, extensions } = parseCef(
      formatCef(trafficRecord(sampleEvent({ status: 502 })), "1").text,
    );
    expect(header[5]).toBe("LLM request failed");
    expect(header[6]).toBe("5");
    expect(extensions.get("outcome")).toBe("failure");
  });

  test("captured body bytes are not forwarded", () => {
    const event = { ...sampleEvent(), captureInline: { request: "secret prompt" } };
    const record = trafficRecord(event as unknown as TrafficEvent);
    expect(JSON.stringify(record)).not.toContain("secret prompt");
  });
});

describe("CEF generic record", () => {
  test("control change with escaped header", () => {
    const line = formatCef({
      kind: "control_change",
      id: "chg_1",
      time: 1000,
      name: "kill switch | on",
      severity: 7,
      data: { scope: "org", target: "acme", engaged: true, by: "ops=alice" },
    }, "1").text;
    const { header, extensions } = parseCef(line);
    expect(header).toEqual(["CEF:0", "Nexus", "Gateway", "1", "control_change",
      "kill switch | on", "7"]);
    expect(line).toContain("|kill switch \\| on|");
    expect(extensions.get("externalId")).toBe("chg_1");
    expect(extensions.get("cs1Label")).toBe("scope");
    expect(extensions.get("cs1")).toBe("org");
    expect(extensions.get("cs4Label")).toBe("by");
    expect(extensions.get("cs4")).toBe("ops=alice");
    expect(JSON.parse(extensions.get("msg")!)).toEqual({
      scope: "org", target: "acme", engaged: true, by: "ops=alice",
    });
  });

  test("severity is clamped to 0..10", () => {
    const line = formatCef({ kind: "x", id: "1", time: 1, severity: 42, data: {} }, "1").text;
    expect(parseCef(line).header[6]).toBe("10");
  });
});

describe("CEF malformed traffic record", () => {
  test("falls back to the generic mapping", () => {
    const line = formatCef({ kind: "traffic", id: "r1", time: 5, data: { n: 1 } }, "1").text;
    const { header, extensions } = parseCef(line);
    expect(header[4]).toBe("traffic");
    expect(extensions.get("externalId")).toBe("r1");
    expect(extensions.get("cs1Label")).toBe("n");
  });
});
