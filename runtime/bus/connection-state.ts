import type { NatsConnection } from "@nats-io/transport-node";

/**
 * Returns whether `nc` is up, by its last status event. The client reports a lost server as
 * `disconnect` and its return as `reconnect`; between the two, publishes wait or time out.
 */
export function watchConnection(nc: NatsConnection): () => boolean {
  let connected = !nc.isClosed();
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") connected = false;
      if (status.type === "reconnect") connected = true;
    }
  })();
  return () => connected && !nc.isClosed();
}
