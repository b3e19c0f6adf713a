import { describe, expect, test } from "bun:test";
import { formatSyslogMessage, syslogSeverity } from "../../../runtime/siem/syslog-message.ts";
import { frameOctetCounted } from "../../../runtime/siem/octet-framing.ts";
import { parseOctetFrames, parseSyslog } from "./support.ts";

describe("RFC 5424 message", () => {
  test("header fields", () => {
    const text = formatSyslogMessage({ facility: 13, appName: "nexus" },
      Date.UTC(2026, 0, 2, 3, 4, 5, 678), 8, "traffic", "CEF:0|x");
    const parsed = parseSyslog(text);
    // facility 13 × 8 + severity 3 (error, from CEF 8)
    expect(parsed.priority).toBe(107);
    expect(parsed.timestamp).toBe("2026-01-02T03:04:05.678Z");
    expect(parsed.appName).toBe("nexus");
    expect(parsed.procId).toBe(String(process.pid));
    expect(parsed.msgId).toBe("traffic");
    expect(parsed.structuredData).toBe("-");
    expect(parsed.message).toBe("CEF:0|x");
  });

  test("msgid is cut to 32 printable characters", () => {
    const text = formatSyslogMessage({ facility: 1, appName: "a" }, 0, 0,
      `${"k".repeat(40)} é`, "m");
    expect(parseSyslog(text).msgId).toBe("k".repeat(32));
  });

  const severities: Array<[number, number]> = [[0, 6], [3, 6], [4, 4], [6, 4], [7, 3], [9, 2],
    [10, 2]];
  for (const [cef, syslog] of severities) {
    test(`CEF severity ${cef} is syslog ${syslog}`, () => {
      expect(syslogSeverity(cef)).toBe(syslog);
    });
  }
});

describe("octet counting", () => {
  test("length counts UTF-8 bytes", () => {
    const framed = frameOctetCounted("héllo\nworld");
    expect(framed.toString("utf8")).toBe("12 héllo\nworld");
  });

  test("frames split back in order", () => {
    const data = Buffer.concat(["a", "bé c", "x\ny"].map(frameOctetCounted));
    expect(parseOctetFrames(data).messages).toEqual(["a", "bé c", "x\ny"]);
  });
});
