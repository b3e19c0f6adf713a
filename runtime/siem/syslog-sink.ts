import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { isIP } from "node:net";
import { describeError } from "../observability/log.ts";
import { formatCef } from "./cef.ts";
import type { SyslogSinkConfig } from "./config-schema.ts";
import { DeliveryError } from "./delivery-error.ts";
import { frameOctetCounted } from "./octet-framing.ts";
import type { SiemRecord } from "./record.ts";
import type { Sink } from "./sink.ts";
import { readCaFile, StreamConnection } from "./stream-connection.ts";
import { formatSyslogMessage, type SyslogHeaderOptions } from "./syslog-message.ts";

/** Facility 13, log audit (RFC 5424 table 1). */
const DEFAULT_FACILITY = 13;

/**
 * Sends records as RFC 5424 syslog messages with a CEF payload: one datagram per message over
 * UDP, octet-counted frames over TCP and TLS.
 * NOTE: UDP has no delivery feedback, so a receiver that is down loses what is sent to it;
 * use TCP or TLS where loss matters.
 */
export class SyslogSink implements Sink {
  readonly target: string;
  readonly #config: SyslogSinkConfig;
  readonly #header: SyslogHeaderOptions;
  readonly #productVersion: string;
  readonly #stream: StreamConnection | null;
  #udp: UdpSocket | null = null;

  constructor(config: SyslogSinkConfig, productVersion: string) {
    this.#config = config;
    this.#productVersion = productVersion;
    this.#header = {
      facility: config.facility ?? DEFAULT_FACILITY,
      appName: config.appName ?? "nexus",
    };
    this.target = `syslog+${config.transport}://${config.host}:${config.port}`;
    this.#stream = config.transport === "udp" ? null : new StreamConnection({
      host: config.host,
      port: config.port,
      tls: config.transport === "tls",
      ca: readCaFile(config.caFile),
      verifyServer: config.verifyServer ?? true,
      serverName: config.serverName,
    });
  }

  async send(records: readonly SiemRecord[], signal: AbortSignal): Promise<void> {
    const messages = records.map((record) => this.#message(record));
    if (this.#stream !== null) {
      await this.#stream.write(Buffer.concat(messages.map(frameOctetCounted)), signal);
      return;
    }
    for (const message of messages) await this.#sendDatagram(Buffer.from(message, "utf8"));
  }

  async close(): Promise<void> {
    this.#stream?.close();
    this.#udp?.close();
    this.#udp = null;
  }

  #message(record: SiemRecord): string {
    const cef = formatCef(record, this.#productVersion);
    return formatSyslogMessage(this.#header, record.time, cef.severity, record.kind, cef.text);
  }

  #sendDatagram(data: Buffer): Promise<void> {
    const type = isIP(this.#config.host) === 6 ? "udp6" : "udp4";
    const socket = (this.#udp ??= createSocket(type).unref());
    return new Promise((resolve, reject) => {
      socket.send(data, this.#config.port, this.#config.host, (error) => {
        if (error === null || error === undefined) {
          resolve();
          return;
        }
        // A message over the datagram size limit fails the same way on every retry.
        // NOTE: the batch's later messages are dropped with it; use TCP or TLS for large records.
        const tooLarge = (error as { code?: unknown }).code === "EMSGSIZE";
        reject(new DeliveryError(
          `syslog datagram of ${data.length} bytes failed: ${describeError(error)}`,
          tooLarge ? "drop" : "retry",
        ));
      });
    });
  }
}
