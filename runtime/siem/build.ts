import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Registry } from "prom-client";
import { ConfigError } from "../config/load.ts";
import type { Logger } from "../observability/log.ts";
import type { SiemConfig, SiemSinkConfig } from "./config-schema.ts";
import { DiskQueue } from "./disk-queue.ts";
import { SiemForwarder } from "./forwarder.ts";
import { HecSink } from "./hec-sink.ts";
import { createSiemMetrics } from "./metrics.ts";
import type { Sink } from "./sink.ts";
import { SinkWorker, type WorkerOptions } from "./sink-worker.ts";
import { SyslogSink } from "./syslog-sink.ts";
import { WebhookSink } from "./webhook-sink.ts";

/**
 * Defaults picked for a SIEM behind a LAN or WAN link, not measured. A batch is up to 500
 * records or 1 s old. Retries wait from 0.5 s to 30 s. Each sink queues up to 256 MiB in
 * 16 MiB segments and gets up to 5 s of sending at shutdown.
 */
const DEFAULTS = {
  batchMaxRecords: 500,
  batchMaxWaitMs: 1000,
  retryInitialMs: 500,
  retryMaxMs: 30_000,
  timeoutMs: 10_000,
  queueMaxBytes: 256 * 1024 * 1024,
  segmentBytes: 16 * 1024 * 1024,
  fsync: "interval",
  flushOnStopMs: 5000,
} as const;

export interface BuildSiemOptions {
  config: SiemConfig;
  /** The gateway's data folder; each sink queues under `<dataDir>/siem/<sink name>`. */
  dataDir: string;
  logger: Logger;
  registry: Registry;
  /** Written in each CEF header; defaults to the version in the root package.json. */
  productVersion?: string;
  /** Environment that credentials are read from; `process.env` unless a test passes one. */
  env?: Record<string, string | undefined>;
}

/**
 * Builds a sink, a disk queue and a worker per configured sink, and starts the workers, which
 * replay whatever a previous run left queued. Throws ConfigError naming the field when a sink
 * is misconfigured (a duplicate name, a missing credential, an unreadable CA file, a bad URL).
 */
export function buildSiemForwarder(options: BuildSiemOptions): SiemForwarder {
  const { config, logger } = options;
  const metrics = createSiemMetrics(options.registry);
  const version = options.productVersion ?? readProductVersion();
  const env = options.env ?? process.env;
  const seen = new Set<string>();

  // Every sink is checked before any queue is opened, so a bad sink leaves nothing open.
  const sinks = config.sinks.map((sinkConfig, index) => {
    const field = `/siem/sinks/${index}`;
    if (seen.has(sinkConfig.name)) {
      throw new ConfigError(`invalid field ${field}/name: "${sinkConfig.name}" is used twice`);
    }
    seen.add(sinkConfig.name);
    return createSink(sinkConfig, field, version, env);
  });

  const workers = config.sinks.map((sinkConfig, index) => {
    const sink = sinks[index] as Sink;
    const queue = new DiskQueue(join(options.dataDir, "siem", sinkConfig.name), {
      maxBytes: sinkConfig.queueMaxBytes ?? DEFAULTS.queueMaxBytes,
      segmentBytes: sinkConfig.segmentBytes ?? DEFAULTS.segmentBytes,
      fsync: sinkConfig.fsync ?? DEFAULTS.fsync,
    });
    logger.log("info", "siem.sink_started", { sink: sinkConfig.name, target: sink.target });
    if (sinkConfig.type === "syslog" && sinkConfig.transport === "tls" &&
      sinkConfig.verifyServer === false) {
      logger.log("warn", "siem.tls_unverified", {
        sink: sinkConfig.name,
        error: "verifyServer is false, so any server can receive these records",
      });
    }
    return new SinkWorker(sinkConfig.name, sink, queue, workerOptions(sinkConfig), logger,
      metrics);
  });
  return new SiemForwarder(workers, {
    kinds: config.kinds,
    flushOnStopMs: config.flushOnStopMs ?? DEFAULTS.flushOnStopMs,
  }, logger);
}

function createSink(
  config: SiemSinkConfig,
  field: string,
  version: string,
  env: Record<string, string | undefined>,
): Sink {
  switch (config.type) {
    case "syslog":
      try {
        return new SyslogSink(config, version);
      } catch (error) {
        throw new ConfigError(`invalid field ${field}/caFile: ${(error as Error).message}`);
      }
    case "splunk_hec":
      checkHttpUrl(config.url, `${field}/url`);
      return new HecSink(config, requireEnv(env, config.tokenEnv, `${field}/tokenEnv`));
    case "webhook": {
      checkHttpUrl(config.url, `${field}/url`);
      const key = config.hmacSecretEnv === undefined
        ? null
        : requireEnv(env, config.hmacSecretEnv, `${field}/hmacSecretEnv`);
      return new WebhookSink(config, key);
    }
  }
}

function workerOptions(config: SiemSinkConfig): WorkerOptions {
  return {
    batchMaxRecords: config.batchMaxRecords ?? DEFAULTS.batchMaxRecords,
    batchMaxWaitMs: config.batchMaxWaitMs ?? DEFAULTS.batchMaxWaitMs,
    retryInitialMs: config.retryInitialMs ?? DEFAULTS.retryInitialMs,
    retryMaxMs: config.retryMaxMs ?? DEFAULTS.retryMaxMs,
    timeoutMs: config.timeoutMs ?? DEFAULTS.timeoutMs,
  };
}

function requireEnv(env: Record<string, string | undefined>, name: string, field: string) {
  const value = env[name];
  if (value === undefined || value === "") {
    throw new ConfigError(`invalid field ${field}: environment variable ${name} is not set`);
  }
  return value;
}

function checkHttpUrl(value: string, field: string): void {
  const url = URL.canParse(value) ? new URL(value) : null;
  if (url === null || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new ConfigError(`invalid field ${field}: not an http(s) URL`);
  }
}

function readProductVersion(): string {
  try {
    const path = new URL("../../package.json", import.meta.url);
    const parsed = JSON.parse(readFileSync(path, "utf8")) as { version?: unknown };
    return typeof parsed.version === "string" ? parsed.version : "unknown";
  } catch {
    return "unknown";
  }
}
