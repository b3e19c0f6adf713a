import { type Static, Type } from "@sinclair/typebox";

/** Name of an environment variable. The config names a credential and never contains it. */
const EnvName = Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" });

/** A sink name is also its queue folder's name, so it is kept to safe file-name characters. */
const SinkName = Type.String({ pattern: "^[a-z0-9][a-z0-9_-]{0,63}$" });

/** Batching, retry and on-disk queue settings; every sink may set its own. */
const DeliveryFields = {
  /** Record count at which a batch is sent without waiting. */
  batchMaxRecords: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  /** Maximum time a record waits before its batch is sent, in ms. */
  batchMaxWaitMs: Type.Optional(Type.Integer({ minimum: 1 })),
  /** First retry delay after a failed send, in ms; it doubles per attempt, with jitter. */
  retryInitialMs: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Maximum retry delay, in ms. */
  retryMaxMs: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Maximum wait for one send (connect plus write, or the HTTP response), in ms. */
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
  /**
   * Maximum bytes of undelivered records kept on disk. When full, new records are dropped,
   * counted in `nexus_siem_dropped_total{reason="queue_full"}` and logged.
   */
  queueMaxBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
  /** Size at which the queue starts a new segment file, in bytes. */
  segmentBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
  /**
   * When appended records are flushed to disk with fsync: `always` after every append,
   * `interval` once per second, `never` leaves it to the operating system.
   */
  fsync: Type.Optional(
    Type.Union([Type.Literal("always"), Type.Literal("interval"), Type.Literal("never")]),
  ),
};

export const SyslogSinkSchema = Type.Object(
  {
    name: SinkName,
    type: Type.Literal("syslog"),
    transport: Type.Union([Type.Literal("udp"), Type.Literal("tcp"), Type.Literal("tls")]),
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    /** PEM file of the CA that signed the server's certificate, for `tls`. */
    caFile: Type.Optional(Type.String({ minLength: 1 })),
    /** Verifies the server's certificate and name, for `tls`; on unless set to false. */
    verifyServer: Type.Optional(Type.Boolean()),
    /** Name checked against the server's certificate, for `tls`; defaults to `host`. */
    serverName: Type.Optional(Type.String({ minLength: 1 })),
    /** Syslog facility code 0..23 (RFC 5424 section 6.2.1); defaults to 13, log audit. */
    facility: Type.Optional(Type.Integer({ minimum: 0, maximum: 23 })),
    /** RFC 5424 APP-NAME; defaults to `nexus`. */
    appName: Type.Optional(Type.String({ pattern: "^[!-~]{1,48}$" })),
    ...DeliveryFields,
  },
  { additionalProperties: false },
);

export const HecSinkSchema = Type.Object(
  {
    name: SinkName,
    type: Type.Literal("splunk_hec"),
    /** Base URL of the HEC endpoint, e.g. `https://splunk.example:8088`. */
    url: Type.String({ minLength: 1 }),
    /** Environment variable that contains the HEC token. */
    tokenEnv: EnvName,
    index: Type.Optional(Type.String({ minLength: 1 })),
    /** Defaults to `nexus:<record kind>`. */
    sourcetype: Type.Optional(Type.String({ minLength: 1 })),
    source: Type.Optional(Type.String({ minLength: 1 })),
    ...DeliveryFields,
  },
  { additionalProperties: false },
);

export const WebhookSinkSchema = Type.Object(
  {
    name: SinkName,
    type: Type.Literal("webhook"),
    url: Type.String({ minLength: 1 }),
    /** Environment variable that contains the HMAC-SHA256 key; no signature without it. */
    hmacSecretEnv: Type.Optional(EnvName),
    /** Header that carries `sha256=<hex>`; defaults to `x-nexus-signature`. */
    signatureHeader: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9-]+$" })),
    /** Header that carries the signed Unix time in seconds; defaults to `x-nexus-timestamp`. */
    timestampHeader: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9-]+$" })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    ...DeliveryFields,
  },
  { additionalProperties: false },
);

export const SiemSinkSchema = Type.Union([SyslogSinkSchema, HecSinkSchema, WebhookSinkSchema]);

export const SiemSchema = Type.Object(
  {
    sinks: Type.Array(SiemSinkSchema),
    /** Record kinds to forward, e.g. `traffic`; all kinds when left out. */
    kinds: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Maximum time a gateway stop waits for queued records to be sent, in ms. */
    flushOnStopMs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export type SyslogSinkConfig = Static<typeof SyslogSinkSchema>;
export type HecSinkConfig = Static<typeof HecSinkSchema>;
export type WebhookSinkConfig = Static<typeof WebhookSinkSchema>;
export type SiemSinkConfig = Static<typeof SiemSinkSchema>;
export type SiemConfig = Static<typeof SiemSchema>;
