/**
 * A gateway-like process for the lost-gateway test. It beats, then for each request publishes
 * a start record and, for completed ones, the final event. It prints `done <id>` once a
 * completed request's records are acknowledged, as a response awaits `settled` before its last
 * bytes. It prints `open <id>` once an open request's start is acknowledged, while its
 * upstream call would still run. Then it queues more requests without waiting, prints
 * `unsettled <id>` for each, then starts `unflushed` requests whose start batch does not leave
 * before the kill when `startBatchMs` is long, prints `unflushed <id>` for each and `ready`,
 * and hangs until the test kills it.
 */
import type { TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import { openBusEventPublisher } from "../../../runtime/bus/bus-event-publisher.ts";
import { busNames } from "../../../runtime/bus/bus-names.ts";
import { startNodeHeartbeat } from "../../../runtime/bus/node-heartbeat.ts";
import { openNats } from "../../../runtime/bus/open-nats.ts";
import type { RequestStart } from "../../../runtime/bus/request-start.ts";
import { createLogger } from "../../../runtime/observability/log.ts";
import { createGatewayMetrics } from "../../../runtime/observability/metrics.ts";
import { busEvent } from "./support.ts";

const [url, prefix, nodeId, completed, open, unsettled, unflushed = "0", startBatchMs = "50"] =
  process.argv.slice(2) as string[];
const logger = createLogger(() => undefined);
const nc = await openNats(url as string);
const names = busNames(prefix);
const publisher = await openBusEventPublisher(nc, names, logger, createGatewayMetrics(),
  { startBatchMs: Number(startBatchMs) });
startNodeHeartbeat(nc, names, nodeId as string, logger, 100);

function startOf(event: TrafficEvent): RequestStart {
  return {
    requestId: event.requestId, clientRequestId: null, time: event.time,
    nodeId: nodeId as string, keyId: event.keyId, org: event.org, project: null,
    route: event.route, model: event.model, stream: event.stream,
  };
}

async function serve(done: boolean): Promise<string> {
  const event = busEvent({ stream: true });
  publisher.started(startOf(event));
  if (done) publisher.write(event);
  await publisher.settled(event.requestId);
  return `${done ? "done" : "open"} ${event.requestId}`;
}

const serving = [
  ...Array.from({ length: Number(completed) }, () => serve(true)),
  ...Array.from({ length: Number(open) }, () => serve(false)),
];
// The open requests wait for their starts, which a long `startBatchMs` would hold back.
publisher.flushStarts();
const lines = await Promise.all(serving);
process.stdout.write(`${lines.join("\n")}\n`);
// Requests in the queue at the kill: their records may or may not reach the bus.
for (let index = 0; index < Number(unsettled); index += 1) {
  const event = busEvent();
  publisher.started(startOf(event));
  if (index % 2 === 0) publisher.write(event);
  process.stdout.write(`unsettled ${event.requestId}\n`);
}
for (let index = 0; index < Number(unflushed); index += 1) {
  const event = busEvent();
  publisher.started(startOf(event));
  process.stdout.write(`unflushed ${event.requestId}\n`);
}
process.stdout.write("ready\n");
await new Promise(() => undefined);
