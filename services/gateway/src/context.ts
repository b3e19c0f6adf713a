import type { AuditStartHook } from "../../../runtime/audit/audit-sink.ts";
import type { EventStore } from "../../../runtime/audit/traffic-event.ts";
import type { LoadedConfig } from "../../../runtime/config/load.ts";
import type { ModelCatalog } from "../../../runtime/config/models.ts";
import type { OpenStreams } from "../../../runtime/controls/open-streams.ts";
import type { ControlStore } from "../../../runtime/controls/control-store.ts";
import type { Compliance } from "../../../runtime/hooks/compliance.ts";
import type { KeyStore } from "../../../runtime/identity/keys/types.ts";
import type { Logger } from "../../../runtime/observability/log.ts";
import type { GatewayMetrics } from "../../../runtime/observability/metrics.ts";
import type { SiemForwarder } from "../../../runtime/siem/forwarder.ts";
import type { BackendStatus, GatewayAuditSink } from "./backends/backends.ts";
import type { ChatCache } from "./cache/chat-cache.ts";
import type { QuotaGate } from "./quota/quota-gate.ts";

/** Everything a request handler needs, built once at boot. */
export interface GatewayContext extends AuditStartHook {
  loaded: LoadedConfig;
  catalog: ModelCatalog;
  keys: KeyStore;
  events: EventStore;
  /** The traffic-event sink: the embedded event writer, or the NATS JetStream publisher. */
  eventWriter: GatewayAuditSink;
  /** Forwards audit records to the configured SIEM sinks; null when the config has none. */
  siem: SiemForwarder | null;
  hmacSecret: string;
  logger: Logger;
  metrics: GatewayMetrics;
  maxBodyBytes: number;
  /** The configured compliance pipelines, or null when the config has none. */
  compliance: Compliance | null;
  /** The chat answer cache; null when the config has no `cache` section. */
  cache: ChatCache | null;
  /** Kill switches and passthrough flags, reloaded when any node or the CLI changes them. */
  controls: ControlStore;
  /** Token and USD budgets; null when the config has no `quotas` section. */
  quota: QuotaGate | null;
  /**
   * Functions that end each open stream with an in-band error, for shutdown and for a kill
   * switch engaged while the stream is open.
   */
  activeStreams: OpenStreams;
  /** Probes every backend service (SQLite, or PostgreSQL, Valkey and NATS); `/readyz` uses it. */
  checkBackends(): Promise<BackendStatus[]>;
}
