import type { Database } from "bun:sqlite";
import type { AuditSink, AuditStartHook } from "../../../../runtime/audit/audit-sink.ts";
import type { EventStore } from "../../../../runtime/audit/traffic-event.ts";
import type { ChangeSignals } from "../../../../runtime/bus/change-signals.ts";
import type { ControlStore } from "../../../../runtime/controls/control-store.ts";
import type { AtomicWindowCounter } from "../../../../runtime/hooks/window-counter.ts";
import type { KeyStore } from "../../../../runtime/identity/keys/types.ts";
import type { Logger } from "../../../../runtime/observability/log.ts";
import type { GatewayMetrics } from "../../../../runtime/observability/metrics.ts";
import type { QuotaStore } from "../../../../runtime/quota/quota-store.ts";
import type { SiemForwarder } from "../../../../runtime/siem/forwarder.ts";
import type {
  PgConfigDocuments,
} from "../../../../runtime/storage/postgres/pg-config-documents.ts";
import type { CacheBackends } from "../cache/cache-backends.ts";

/** An audit sink whose queued events can be awaited, as tests and the harness do. */
export interface GatewayAuditSink extends AuditSink {
  /** Resolves once every event queued so far is written (embedded) or published (bus). */
  flush(): Promise<void>;
}

/** The result of probing one backend service. */
export interface BackendStatus {
  /** Service name: `sqlite`, `postgres`, `valkey` or `nats`. */
  name: string;
  ready: boolean;
  /** The probe's error message; absent when ready. */
  error?: string;
}

/** The stores, counters and signals one gateway node runs on, opened from the config. */
export interface Backends {
  mode: "embedded" | "production";
  keys: KeyStore;
  events: EventStore;
  controls: ControlStore;
  /** The sink that request records send their traffic events to. */
  auditSink: GatewayAuditSink;
  /** Budget counters; null when the config has no `quotas` section. */
  quotaStore: QuotaStore | null;
  /**
   * Start records and acknowledgement waits of each request, so a writer can record a request
   * cut by a node that died. Empty on the embedded store, which runs as one node.
   */
  auditHooks: AuditStartHook;
  /** Counter behind the compliance pipeline's rate-limit stage. */
  rateCounter: AtomicWindowCounter;
  signals: ChangeSignals;
  /** Configs pushed with `nexus config push`; absent on the embedded store. */
  configDocuments?: PgConfigDocuments;
  hmacSecret: string;
  /** Storage, locks and persistence of the response cache. */
  cacheBackends: CacheBackends;
  /** The embedded database; null in production, where nothing is kept in SQLite. */
  db: Database | null;
  /**
   * Interval between reloads of the kill switches and passthrough flags when no change signal
   * arrived, in ms. The embedded store checks `PRAGMA data_version` on every sweep.
   */
  controlsRefreshMs: number;
  /** Probes every backend service. */
  ready(): Promise<BackendStatus[]>;
  /**
   * Writes or publishes the queued events, stops the background consumers and jobs, then
   * closes the clients. Call it after the server stopped accepting requests.
   */
  close(): Promise<void>;
}

export interface OpenBackendsOptions {
  logger: Logger;
  metrics: GatewayMetrics;
  /** Receives every stored traffic event; null when the config has no SIEM sinks. */
  siem: SiemForwarder | null;
}

/** Probes a service with a bounded wait, so `/readyz` responds even when a server hangs. */
export async function probe(name: string, check: () => Promise<unknown>,
  timeoutMs = 1000): Promise<BackendStatus> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return { name, ready: true };
  } catch (error) {
    return { name, ready: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
