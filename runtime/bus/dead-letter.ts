import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import type { BusNames } from "./bus-names.ts";

/**
 * Copies an undecodable message to the dead-letter stream with where it came from and why it
 * failed in headers. The message id is its stream and sequence, so a second copy after a crash
 * is dropped by the dead-letter stream's duplicate window.
 */
export async function sendToDeadLetter(js: JetStreamClient, names: BusNames, message: JsMsg,
  reason: string): Promise<void> {
  const info = headers();
  info.set("Nexus-Original-Subject", message.subject);
  info.set("Nexus-Original-Stream", message.info.stream);
  info.set("Nexus-Original-Sequence", String(message.seq));
  info.set("Nexus-Consumer", message.info.consumer);
  info.set("Nexus-Deliveries", String(message.info.deliveryCount));
  // Header values end at a line break, so the reason is kept to one line.
  info.set("Nexus-Error", reason.replaceAll(/[\r\n]+/g, " ").slice(0, 500));
  await js.publish(names.deadLetterSubject, message.data, {
    msgID: `${message.info.stream}:${message.info.consumer}:${message.seq}`,
    headers: info,
  });
}
