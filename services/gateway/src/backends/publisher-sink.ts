import type { BusEventPublisher } from "../../../../runtime/bus/bus-event-publisher.ts";
import type { TrafficEvent } from "../../../../runtime/audit/traffic-event.ts";
import type { GatewayAuditSink } from "./backends.ts";

/** Interval between checks of the publisher's queue during `flush`, in ms. */
const FLUSH_CHECK_MS = 5;
/** Upper bound of `flush`, in ms; the publisher's own retries may take longer. */
const FLUSH_TIMEOUT_MS = 5000;

/**
 * The bus publisher as the gateway's audit sink. `flush` resolves once JetStream acknowledged
 * every event queued so far, or once the bound passed. Storing the events in PostgreSQL is the
 * writer's job and happens after.
 */
export class PublisherAuditSink implements GatewayAuditSink {
  readonly #publisher: BusEventPublisher;

  constructor(publisher: BusEventPublisher) {
    this.#publisher = publisher;
  }

  write(event: TrafficEvent): void {
    this.#publisher.write(event);
  }

  async flush(): Promise<void> {
    const deadline = Date.now() + FLUSH_TIMEOUT_MS;
    while (this.#publisher.pending > 0 && Date.now() < deadline) await Bun.sleep(FLUSH_CHECK_MS);
  }

  close(): Promise<void> {
    return this.#publisher.close();
  }
}
