import { readFileSync } from "node:fs";
import { isIP, type Socket, connect as connectTcp } from "node:net";
import { connect as connectTls } from "node:tls";
import { describeError } from "../observability/log.ts";
import { DeliveryError } from "./delivery-error.ts";

export interface StreamOptions {
  host: string;
  port: number;
  tls: boolean;
  /** PEM text of the CA to trust instead of the system roots, for TLS. */
  ca?: string;
  verifyServer: boolean;
  serverName?: string;
}

/** Reads the CA file named in the config; a missing file fails at boot, not at first send. */
export function readCaFile(path: string | undefined): string | undefined {
  return path === undefined ? undefined : readFileSync(path, "utf8");
}

/**
 * One long-lived TCP or TLS connection to a syslog receiver, opened on first use and opened
 * again after it breaks. A write counts as sent once the kernel accepted it.
 * NOTE: syslog has no acknowledgement, so bytes written just before the receiver drops the
 * connection can be lost without an error; TCP and TLS sinks are at-least-once only up to
 * that window.
 */
export class StreamConnection {
  readonly #options: StreamOptions;
  #socket: Socket | null = null;

  constructor(options: StreamOptions) {
    this.#options = options;
  }

  async write(data: Buffer, signal: AbortSignal): Promise<void> {
    const socket = this.#socket ?? (await this.#open(signal));
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        socket.destroy();
        reject(new DeliveryError("syslog write timed out", "retry"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      socket.write(data, (error) => {
        signal.removeEventListener("abort", onAbort);
        if (error === undefined || error === null) resolve();
        else reject(new DeliveryError(`syslog write failed: ${describeError(error)}`, "retry"));
      });
    });
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = null;
  }

  #open(signal: AbortSignal): Promise<Socket> {
    const { host, port } = this.#options;
    const socket = this.#options.tls
      ? connectTls({
        host,
        port,
        ca: this.#options.ca,
        rejectUnauthorized: this.#options.verifyServer,
        // SNI may not carry an IP address (RFC 6066 section 3), so none is sent for one.
        servername: this.#options.serverName ?? (isIP(host) === 0 ? host : undefined),
      })
      : connectTcp({ host, port });
    const ready = this.#options.tls ? "secureConnect" : "connect";

    return new Promise<Socket>((resolve, reject) => {
      const fail = (error: unknown) => {
        socket.destroy();
        signal.removeEventListener("abort", onAbort);
        reject(new DeliveryError(
          `connecting to syslog ${host}:${port} failed: ${describeError(error)}`,
          "retry",
          { cause: error },
        ));
      };
      const onAbort = () => fail(new Error("timed out"));
      signal.addEventListener("abort", onAbort, { once: true });
      socket.once("error", fail);
      socket.once(ready, () => {
        signal.removeEventListener("abort", onAbort);
        socket.removeListener("error", fail);
        this.#adopt(socket);
        resolve(socket);
      });
    });
  }

  /** Keeps the socket until it fails or closes; the next write then opens a new one. */
  #adopt(socket: Socket): void {
    this.#socket = socket;
    const forget = () => {
      if (this.#socket === socket) this.#socket = null;
      socket.destroy();
    };
    socket.on("error", forget);
    socket.once("close", forget);
    // The receiver sends nothing; reading keeps the socket from filling its buffer if it does.
    socket.resume();
  }
}
