import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import type { SyslogSinkConfig } from "../../../runtime/siem/config-schema.ts";
import { DeliveryError } from "../../../runtime/siem/delivery-error.ts";
import { type SiemRecord, trafficRecord } from "../../../runtime/siem/record.ts";
import { SyslogSink } from "../../../runtime/siem/syslog-sink.ts";
import {
  mintCertificates, parseCef, parseOctetFrames, parseSyslog, sampleEvent, startStreamReceiver,
  startUdpReceiver, type TestCertificates, waitFor,
} from "./support.ts";

function sinkConfig(overrides: Partial<SyslogSinkConfig>): SyslogSinkConfig {
  return { name: "s", type: "syslog", transport: "tcp", host: "127.0.0.1", port: 1, ...overrides };
}

const signal = () => AbortSignal.timeout(2000);

const tricky: SiemRecord = trafficRecord(sampleEvent({
  requestId: "req_tricky",
  model: "gpt=4 | mini\nnext\\line",
}));

describe("syslog sink", () => {
  let certs: TestCertificates;
  beforeAll(() => {
    certs = mintCertificates();
  });
  afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

  test("UDP sends one RFC 5424 datagram per record", async () => {
    const receiver = await startUdpReceiver();
    const sink = new SyslogSink(sinkConfig({ transport: "udp", port: receiver.port }), "9.9.9");
    await sink.send([tricky, trafficRecord(sampleEvent({ requestId: "req_2" }))], signal());
    expect(await waitFor(() => receiver.messages.length === 2)).toBe(true);

    const first = parseSyslog(receiver.messages[0]!);
    expect(first.priority).toBe(13 * 8 + 6);
    expect(first.appName).toBe("nexus");
    expect(first.msgId).toBe("traffic");
    expect(first.timestamp).toBe(new Date(tricky.time).toISOString());
    const cef = parseCef(first.message);
    expect(cef.header.slice(0, 5)).toEqual(["CEF:0", "Nexus", "Gateway", "9.9.9", "traffic"]);
    expect(cef.extensions.get("externalId")).toBe("req_tricky");
    expect(cef.extensions.get("cs3")).toBe("gpt=4 | mini\nnext\\line");
    expect(first.message).toContain("cs3=gpt\\=4 | mini\\nnext\\\\line");
    expect(parseCef(parseSyslog(receiver.messages[1]!).message).extensions.get("externalId"))
      .toBe("req_2");
    await sink.close();
    await receiver.close();
  });

  test("TCP frames by octet count on one connection", async () => {
    const receiver = await startStreamReceiver();
    const sink = new SyslogSink(sinkConfig({ port: receiver.port, facility: 4 }), "1");
    const multiByte = trafficRecord(sampleEvent({ requestId: "req_é", org: "äcme" }));
    await sink.send([tricky, multiByte], signal());
    await sink.send([trafficRecord(sampleEvent({ requestId: "req_3" }))], signal());
    expect(await waitFor(() => receiver.messages.length === 3)).toBe(true);

    expect(receiver.raw.length).toBe(1);
    const raw = receiver.raw[0]!;
    const prefix = raw.subarray(0, raw.indexOf(0x20)).toString("ascii");
    expect(Number(prefix)).toBe(Buffer.byteLength(receiver.messages[0]!, "utf8"));
    expect(parseOctetFrames(raw).rest.length).toBe(0);

    const ids = receiver.messages.map((text) =>
      parseCef(parseSyslog(text).message).extensions.get("externalId"));
    expect(ids).toEqual(["req_tricky", "req_é", "req_3"]);
    expect(parseSyslog(receiver.messages[0]!).priority).toBe(4 * 8 + 6);
    await sink.close();
    await receiver.close();
  });

  test("TCP reconnects after the receiver restarts", async () => {
    const first = await startStreamReceiver();
    const sink = new SyslogSink(sinkConfig({ port: first.port }), "1");
    await sink.send([tricky], signal());
    expect(await waitFor(() => first.messages.length === 1)).toBe(true);
    await first.close();

    const second = await startStreamReceiver(undefined, first.port);
    // A write right after the drop can land on the dead socket (see StreamConnection's note),
    // so the test sends until one arrives on the new connection.
    for (let attempt = 0; attempt < 20 && second.messages.length === 0; attempt += 1) {
      await sink.send([tricky], signal()).catch(() => undefined);
      await Bun.sleep(25);
    }
    expect(second.messages.length).toBeGreaterThan(0);
    await sink.close();
    await second.close();
  });

  test("TLS delivers when the CA matches", async () => {
    const receiver = await startStreamReceiver({ key: certs.key, cert: certs.cert });
    const sink = new SyslogSink(sinkConfig({
      transport: "tls", port: receiver.port, caFile: certs.caFile,
    }), "1");
    await sink.send([tricky], signal());
    expect(await waitFor(() => receiver.messages.length === 1)).toBe(true);
    expect(parseCef(parseSyslog(receiver.messages[0]!).message).extensions.get("externalId"))
      .toBe("req_tricky");
    await sink.close();
    await receiver.close();
  });

  test("TLS rejects a server signed by another CA", async () => {
    const receiver = await startStreamReceiver({ key: certs.key, cert: certs.cert });
    const sink = new SyslogSink(sinkConfig({
      transport: "tls", port: receiver.port, caFile: certs.otherCaFile,
    }), "1");
    const error = await sink.send([tricky], signal()).then(() => null, (caught) => caught);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).action).toBe("retry");
    expect((error as Error).message).toContain("connecting to syslog 127.0.0.1");
    await Bun.sleep(50);
    expect(receiver.messages).toEqual([]);
    await sink.close();
    await receiver.close();
  });

  test("TLS without a CA file rejects a self-signed chain", async () => {
    const receiver = await startStreamReceiver({ key: certs.key, cert: certs.cert });
    const sink = new SyslogSink(sinkConfig({ transport: "tls", port: receiver.port }), "1");
    const error = await sink.send([tricky], signal()).then(() => null, (caught) => caught);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(receiver.messages).toEqual([]);
    await sink.close();
    await receiver.close();
  });

  test("TLS with verifyServer false connects", async () => {
    const receiver = await startStreamReceiver({ key: certs.key, cert: certs.cert });
    const sink = new SyslogSink(sinkConfig({
      transport: "tls", port: receiver.port, verifyServer: false,
    }), "1");
    await sink.send([tricky], signal());
    expect(await waitFor(() => receiver.messages.length === 1)).toBe(true);
    await sink.close();
    await receiver.close();
  });

  test("TCP send to a closed port fails for retry", async () => {
    const receiver = await startStreamReceiver();
    const port = receiver.port;
    await receiver.close();
    const sink = new SyslogSink(sinkConfig({ port }), "1");
    const error = await sink.send([tricky], signal()).then(() => null, (caught) => caught);
    expect((error as DeliveryError).action).toBe("retry");
    await sink.close();
  });
});

describe("syslog sink over UDP", () => {
  test("oversized datagram drops the batch", async () => {
    const receiver = await startUdpReceiver();
    const sink = new SyslogSink(sinkConfig({ transport: "udp", port: receiver.port }), "1");
    const huge: SiemRecord = { kind: "x", id: "big", time: 1, data: { text: "a".repeat(70_000) } };
    const error = await sink.send([huge], signal()).then(() => null, (caught) => caught);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).action).toBe("drop");
    await sink.close();
    await receiver.close();
  });
});
