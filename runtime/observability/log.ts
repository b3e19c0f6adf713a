/**
 * Structured logging: one JSON line per event on stdout, fixed fields first. Callers pass only
 * fields they chose; request and response bodies and secrets are never passed here.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

/** Writes JSON lines at or above `NEXUS_LOG_LEVEL` (default info) through `write`. */
export function createLogger(write: (line: string) => void = (line) => {
  process.stdout.write(line);
}): Logger {
  const configured = (process.env.NEXUS_LOG_LEVEL ?? "info") as LogLevel;
  const threshold = LEVELS[configured] ?? LEVELS.info;
  return {
    log(level, event, fields = {}) {
      if (LEVELS[level] < threshold) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
    },
  };
}

/** Describes a caught error for a log line without its stack or any attached body. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
