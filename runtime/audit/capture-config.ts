import { isAbsolute, join, resolve } from "node:path";
import { type Static, Type } from "@sinclair/typebox";

/** Bodies up to this size stay inline in the traffic event; the rest goes to the spill store. */
export const DEFAULT_MAX_INLINE_BYTES = 256 * 1024;
export const DEFAULT_RETENTION_DAYS = 30;

/**
 * A scope entry: every field that is set must match the request's key. An entry with no fields
 * matches every request.
 */
const CaptureScopeSchema = Type.Object(
  {
    org: Type.Optional(Type.String({ minLength: 1 })),
    project: Type.Optional(Type.String({ minLength: 1 })),
    key: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const CaptureConfigSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    /** Requests whose key matches any entry are captured; all requests when absent. */
    scope: Type.Optional(Type.Array(CaptureScopeSchema)),
    /** Bytes of each body kept in the event row; the remainder goes to a spill file. */
    maxInlineBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: 16 * 1024 * 1024 })),
    /**
     * true (the default): bodies after the compliance pipeline's redactions. false: the raw
     * request as the client sent it and the response before response-stage edits.
     */
    redacted: Type.Optional(Type.Boolean()),
    /** Captured bodies and spill files older than this many days are deleted; events stay. */
    retentionDays: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Folder of spill files; relative paths resolve from the config file's folder. */
    spillDir: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export type CaptureConfig = Static<typeof CaptureConfigSchema>;
export type CaptureScope = Static<typeof CaptureScopeSchema>;

/** The capture section with every default applied and paths made absolute. */
export interface CaptureSettings {
  enabled: boolean;
  scope: readonly CaptureScope[] | null;
  maxInlineBytes: number;
  mode: "redacted" | "raw";
  retentionDays: number;
  spillDir: string;
}

/** Applies the defaults to the config's capture section (absent means capture is off). */
export function captureSettings(
  config: CaptureConfig | undefined,
  dataDir: string,
  configDir: string,
): CaptureSettings {
  const spillDir = config?.spillDir === undefined
    ? join(dataDir, "spill")
    : isAbsolute(config.spillDir) ? config.spillDir : resolve(configDir, config.spillDir);
  return {
    enabled: config?.enabled === true,
    scope: config?.scope ?? null,
    maxInlineBytes: config?.maxInlineBytes ?? DEFAULT_MAX_INLINE_BYTES,
    // Raw capture stores what the compliance pipeline removed, so only an explicit false
    // selects it.
    mode: config?.redacted === false ? "raw" : "redacted",
    retentionDays: config?.retentionDays ?? DEFAULT_RETENTION_DAYS,
    spillDir,
  };
}

/** The sender of a request, as far as the capture scope matches on it. */
export interface CaptureSubject {
  org: string | null;
  project: string | null;
  keyId: string | null;
}

/** Tells whether a request from `subject` is captured under these settings. */
export function isCaptured(settings: CaptureSettings, subject: CaptureSubject): boolean {
  if (!settings.enabled) return false;
  if (settings.scope === null) return true;
  return settings.scope.some((entry) =>
    (entry.org === undefined || entry.org === subject.org) &&
    (entry.project === undefined || entry.project === subject.project) &&
    (entry.key === undefined || entry.key === subject.keyId));
}
