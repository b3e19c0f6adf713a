import { hostname } from "node:os";

export interface SyslogHeaderOptions {
  /** Facility code 0..23. */
  facility: number;
  appName: string;
}

/**
 * Formats an RFC 5424 message (section 6):
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG`, with PRI =
 * facility × 8 + severity, no structured data (`-`) and the CEF line as MSG. MSG is sent
 * without the UTF-8 BOM, because CEF receivers expect the line to start at `CEF:`.
 */
export function formatSyslogMessage(
  options: SyslogHeaderOptions,
  time: number,
  cefSeverity: number,
  msgId: string,
  message: string,
): string {
  const priority = options.facility * 8 + syslogSeverity(cefSeverity);
  const header = [
    `<${priority}>1`,
    new Date(time).toISOString(),
    headerField(hostname(), 255),
    headerField(options.appName, 48),
    headerField(String(process.pid), 128),
    headerField(msgId, 32),
    "-",
  ];
  return `${header.join(" ")} ${message}`;
}

/**
 * Maps CEF severity (0..10) to a syslog severity (RFC 5424 table 2): 0..3 informational,
 * 4..6 warning, 7..8 error, 9..10 critical.
 */
export function syslogSeverity(cefSeverity: number): number {
  if (cefSeverity >= 9) return 2;
  if (cefSeverity >= 7) return 3;
  if (cefSeverity >= 4) return 4;
  return 6;
}

/** Header fields are 1..max printable US-ASCII characters, or `-` (NILVALUE) when empty. */
function headerField(value: string, max: number): string {
  const printable = value.replace(/[^!-~]/g, "").slice(0, max);
  return printable === "" ? "-" : printable;
}
