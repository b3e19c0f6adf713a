/**
 * Measures what waiting for JetStream's acknowledgement of a final event would add to a
 * response, on loopback: `bun test/runtime/bus/publish-latency.ts [count]`. It prints the
 * p50, p99 and max of one acknowledged publish of a typical event, alone and under 32
 * concurrent publishers. Not a test; the figures back the choice in bus-event-publisher.ts.
 */
import { jetstream } from "@nats-io/jetstream";
import { busNames, eventSubject } from "../../../runtime/bus/bus-names.ts";
import { encodeEvent } from "../../../runtime/bus/event-codec.ts";
import { ensureEventStreams } from "../../../runtime/bus/event-streams.ts";
import { openNats } from "../../../runtime/bus/open-nats.ts";
import { TEST_NATS_URL } from "../../support/nats.ts";
import { busEvent } from "./support.ts";

const count = Math.min(Number(process.argv[2] ?? 2000), 20_000);
const nc = await openNats(TEST_NATS_URL);
const names = busNames(`nexus_latency_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`);
const jsm = await jetstream(nc).jetstreamManager();
await ensureEventStreams(jsm, names);
const js = jetstream(nc);

async function timedPublish(): Promise<number> {
  const event = busEvent();
  const started = performance.now();
  await js.publish(eventSubject(names, event.org), encodeEvent(event), {
    msgID: event.requestId,
  });
  return performance.now() - started;
}

function summary(label: string, samples: number[]): void {
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  console.log(JSON.stringify({
    label, count: samples.length, p50_ms: at(0.5)?.toFixed(3), p99_ms: at(0.99)?.toFixed(3),
    max_ms: samples.at(-1)?.toFixed(3),
  }));
}

try {
  const alone: number[] = [];
  for (let i = 0; i < count; i += 1) alone.push(await timedPublish());
  summary("sequential", alone);

  const concurrent: number[] = [];
  const workers = Array.from({ length: 32 }, async () => {
    for (let i = 0; i < count / 32; i += 1) concurrent.push(await timedPublish());
  });
  await Promise.all(workers);
  summary("32 concurrent", concurrent);
} finally {
  await jsm.streams.delete(names.eventStream).catch(() => false);
  await jsm.streams.delete(names.deadLetterStream).catch(() => false);
  await nc.close();
}
