import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import type { TrafficEvent } from "../../../runtime/audit/traffic-event.ts";

/** Messages a fake syslog receiver got, in arrival order. */
export interface Receiver {
  port: number;
  messages: string[];
  /** Raw bytes of every stream connection, for framing checks. */
  raw: Buffer[];
  close(): Promise<void>;
}

/** Starts a UDP syslog receiver on 127.0.0.1; one datagram is one message. */
export async function startUdpReceiver(): Promise<Receiver> {
  const socket = createSocket("udp4");
  const messages: string[] = [];
  socket.on("message", (data) => messages.push(data.toString("utf8")));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    port: socket.address().port,
    messages,
    raw: [],
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** Starts a TCP (or, with `tls`, TLS) syslog receiver that parses octet-counted frames. */
export async function startStreamReceiver(
  tls?: { key: string; cert: string },
  port = 0,
): Promise<Receiver> {
  const messages: string[] = [];
  const raw: Buffer[] = [];
  const sockets = new Set<Socket>();
  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    const index = raw.push(Buffer.alloc(0)) - 1;
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      raw[index] = Buffer.concat([raw[index]!, chunk]);
      pending = Buffer.concat([pending, chunk]);
      const parsed = parseOctetFrames(pending);
      messages.push(...parsed.messages);
      pending = parsed.rest;
    });
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  };
  const server: Server = tls === undefined
    ? createTcpServer(onConnection)
    : createTlsServer({ key: tls.key, cert: tls.cert }, onConnection);
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : 0,
    messages,
    raw,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Splits `MSG-LEN SP MSG` frames (RFC 6587 octet counting); MSG-LEN counts bytes. */
export function parseOctetFrames(data: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let offset = 0;
  for (;;) {
    const space = data.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number(data.subarray(offset, space).toString("ascii"));
    if (!Number.isInteger(length) || length <= 0) throw new Error("bad octet-count prefix");
    if (data.length < space + 1 + length) break;
    messages.push(data.subarray(space + 1, space + 1 + length).toString("utf8"));
    offset = space + 1 + length;
  }
  return { messages, rest: data.subarray(offset) };
}

export interface Syslog5424 {
  priority: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: string;
  message: string;
}

/** Parses an RFC 5424 message whose structured data is NILVALUE. */
export function parseSyslog(text: string): Syslog5424 {
  const match = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-) ([\s\S]*)$/.exec(text);
  if (match === null) throw new Error(`not an RFC 5424 message: ${text}`);
  return {
    priority: Number(match[1]),
    timestamp: match[2]!,
    hostname: match[3]!,
    appName: match[4]!,
    procId: match[5]!,
    msgId: match[6]!,
    structuredData: match[7]!,
    message: match[8]!,
  };
}

export interface Cef {
  header: string[];
  extensions: Map<string, string>;
}

/** Parses a CEF line: seven header fields split at unescaped `|`, then key=value pairs. */
export function parseCef(line: string): Cef {
  const header: string[] = [];
  let field = "";
  let index = 0;
  while (header.length < 7) {
    const char = line[index];
    if (char === undefined) throw new Error(`CEF header cut short: ${line}`);
    if (char === "\\") {
      field += line[index + 1];
      index += 2;
      continue;
    }
    if (char === "|") {
      header.push(field);
      field = "";
    } else {
      field += char;
    }
    index += 1;
  }
  return { header, extensions: parseExtensions(line.slice(index)) };
}

/** Splits extensions: each unescaped `=` ends a key that starts after the last space. */
function parseExtensions(text: string): Map<string, string> {
  const equals: number[] = [];
  for (let index = 0; index < text.length; index += 1) {
    if (text[index] === "\\") index += 1;
    else if (text[index] === "=") equals.push(index);
  }
  const result = new Map<string, string>();
  equals.forEach((position, order) => {
    const keyStart = text.lastIndexOf(" ", position) + 1;
    const next = equals[order + 1];
    const valueEnd = next === undefined ? text.length : text.lastIndexOf(" ", next);
    result.set(text.slice(keyStart, position), unescapeValue(text.slice(position + 1, valueEnd)));
  });
  return result;
}

function unescapeValue(value: string): string {
  const escapes: Record<string, string> = { n: "\n", r: "\r" };
  return value.replace(/\\(.)/g, (_, char: string) => escapes[char] ?? char);
}

export interface TestCertificates {
  dir: string;
  caFile: string;
  otherCaFile: string;
  key: string;
  cert: string;
}

/** Mints a throwaway CA, a server certificate for 127.0.0.1 and an unrelated second CA. */
export function mintCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "nexus-siem-tls-"));
  const run = (args: string[]) => {
    const result = Bun.spawnSync(["openssl", ...args], { cwd: dir });
    if (result.exitCode !== 0) {
      throw new Error(`openssl ${args[0]} failed with exit ${result.exitCode}: ${result.stderr}`);
    }
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  run(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
    "-subj", "/CN=Nexus Test CA"]);
  run(["req", "-x509", ...ec, "-keyout", "other.key", "-out", "other.pem", "-days", "1",
    "-subj", "/CN=Other CA"]);
  run(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
  run(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
    "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "san.ext"]);
  return {
    dir,
    caFile: join(dir, "ca.pem"),
    otherCaFile: join(dir, "other.pem"),
    key: readFileSync(join(dir, "server.key"), "utf8"),
    cert: readFileSync(join(dir, "server.pem"), "utf8"),
  };
}

/** Polls until `check` passes or the time runs out; returns whether it passed. */
export async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await Bun.sleep(10);
  }
  return check();
}

/** Returns a traffic event with every column set, for mapping tests. */
export function sampleEvent(overrides: Partial<TrafficEvent> = {}): TrafficEvent {
  return {
    requestId: "req_1", clientRequestId: null, time: 1_767_000_000_123, keyId: "key_9",
    org: "acme", project: "apollo", route: "/v1/chat/completions", provider: "openai",
    model: "gpt-test", upstreamModel: "gpt-4o-mini", stream: false, status: 200,
    errorCode: null, latencyMs: 12.5, ttftMs: null, inputTokens: 11, outputTokens: 7,
    cachedTokens: null, cacheWriteTokens: null, reasoningTokens: null, costUsd: 0.000123,
    detail: {}, ...overrides,
  };
}

export interface FakeHttpRequest {
  path: string;
  headers: Headers;
  body: string;
}

export interface FakeHttpSink {
  url: string;
  port: number;
  requests: FakeHttpRequest[];
  /** Statuses for the next requests, in order; 200 once it runs out. */
  statuses: number[];
  close(): Promise<void>;
}

/** Starts a Bun.serve fake of a SIEM HTTP endpoint (Splunk HEC or a webhook) on 127.0.0.1. */
export function startFakeHttpSink(port = 0): FakeHttpSink {
  const requests: FakeHttpRequest[] = [];
  const statuses: number[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    async fetch(request) {
      const status = statuses.shift() ?? 200;
      requests.push({
        path: new URL(request.url).pathname,
        headers: request.headers,
        body: await request.text(),
      });
      const text = status === 200 ? "Success" : "failed";
      return Response.json({ text, code: status === 200 ? 0 : 9 }, { status });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port ?? port,
    requests,
    statuses,
    close: () => server.stop(true),
  };
}
