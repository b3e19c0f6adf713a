import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createConnection } from "node:net";
import { maskServiceUrl } from "../storage/service-url.ts";

/** NATS did not accept a connection at boot. */
export class NatsUnreachableError extends Error {
  override readonly name = "NatsUnreachableError";
  readonly code = "nats_unreachable";
}

export interface OpenNatsOptions {
  /** Time to wait for the first connection, in ms. */
  timeoutMs?: number;
  /** Connection name shown by the server's monitoring (`nats server report connections`). */
  name?: string;
}

/** Port of a NATS URL that names none, as the NATS clients assume. */
const DEFAULT_NATS_PORT = 4222;

/**
 * Connects to NATS at `url` (e.g. `nats://127.0.0.1:4222`, or a comma-separated list of
 * servers). After the first connection the client reconnects on its own without limit,
 * because a gateway must outlive a NATS restart. Fails with `NatsUnreachableError`, naming
 * the masked URL, when the first connection fails.
 */
export async function openNats(url: string, options: OpenNatsOptions = {}):
  Promise<NatsConnection> {
  const servers = url.split(",").map((server) => server.trim());
  const timeoutMs = options.timeoutMs ?? 5000;
  try {
    await requireNatsGreeting(servers, timeoutMs);
    return await connect({
      servers,
      name: options.name ?? "nexus",
      timeout: timeoutMs,
      maxReconnectAttempts: -1,
    });
  } catch (error) {
    throw new NatsUnreachableError(
      `cannot connect to NATS at ${maskServiceUrl(url)}: ${(error as Error).message}. Start ` +
        "NATS with JetStream enabled (nats-server -js) or fix the NATS URL in the config.",
      { cause: error },
    );
  }
}

/**
 * Resolves once any of `servers` sends the NATS `INFO` greeting. The NATS client
 * (@nats-io/transport-node 3.4.0) never closes a socket whose server accepted the TCP
 * connection but sent no greeting (a Redis port, say), and that socket then keeps the process
 * alive after a failed boot. So each server is first checked on a socket of our own, which is
 * always destroyed.
 * NOTE: a server set to `handshake_first` sends no plain INFO, so it fails this check, as it
 * fails the client, which is not given `tls.handshakeFirst` here.
 */
async function requireNatsGreeting(servers: string[], timeoutMs: number): Promise<void> {
  const results = await Promise.allSettled(
    servers.map((server) => readGreeting(server, timeoutMs)),
  );
  if (results.some((result) => result.status === "fulfilled")) return;

  const reasons = results.map((result) =>
    result.status === "rejected" ? (result.reason as Error).message : "");
  throw new Error(reasons.join("; "));
}

function readGreeting(server: string, timeoutMs: number): Promise<void> {
  // The NATS client also takes a bare `host:port`, as `--nats` and NEXUS_NATS_URL may give.
  const { hostname, port } = new URL(server.includes("://") ? server : `nats://${server}`);
  const host = hostname.replace(/^\[(.*)\]$/, "$1");
  const address = `${hostname}:${port === "" ? DEFAULT_NATS_PORT : port}`;
  return new Promise((resolve, reject) => {
    const socket = createConnection({
      host,
      port: port === "" ? DEFAULT_NATS_PORT : Number(port),
    });
    let received = "";
    const finish = (error: Error | null) => {
      clearTimeout(timer);
      socket.destroy();
      if (error === null) resolve();
      else reject(error);
    };
    const timer = setTimeout(() => finish(new Error(`${address} sent no NATS INFO greeting ` +
      `within ${timeoutMs} ms; check that it is a NATS server`)), timeoutMs);
    socket.on("error", (error) => finish(new Error(`${address}: ${error.message}`)));
    socket.on("close", () => finish(new Error(`${address} closed the connection without ` +
      "a NATS INFO greeting; check that it is a NATS server")));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (received.length < 5) return;
      finish(received.startsWith("INFO ") ? null : new Error(`${address} replied with ` +
        "something other than a NATS INFO greeting; check that it is a NATS server"));
    });
  });
}
