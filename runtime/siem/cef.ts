import type { TrafficEvent } from "../audit/traffic-event.ts";
import { escapeCefHeader, escapeCefValue, isCefKey } from "./cef-escape.ts";
import type { SiemRecord } from "./record.ts";
import { type CefFields, trafficCef } from "./traffic-cef.ts";

/** CEF labels six string custom fields, cs1 to cs6. */
const CUSTOM_STRING_FIELDS = 6;

/** A formatted CEF line and the severity written in its header. */
export interface CefLine {
  text: string;
  severity: number;
}

/**
 * Formats a record as one CEF line:
 * `CEF:0|Nexus|Gateway|<version>|<signature id>|<name>|<severity>|<extensions>`.
 * The signature id is the record kind, so SIEM rules can match on it.
 */
export function formatCef(record: SiemRecord, productVersion: string): CefLine {
  const fields = isTrafficEvent(record) ? trafficFields(record) : genericCef(record);
  const severity = clampSeverity(record.severity ?? fields.severity);

  const header = ["CEF:0", "Nexus", "Gateway", productVersion, record.kind,
    record.name ?? fields.name, String(severity)].map((part, index) =>
    index === 0 ? part : escapeCefHeader(part));
  const extensions = [["cat", record.kind] as const, ...fields.extensions]
    .filter(([key, value]) => value !== null && isCefKey(key))
    .map(([key, value]) => `${key}=${escapeCefValue(String(value))}`);

  return { text: `${header.join("|")}|${extensions.join(" ")}`, severity };
}

/**
 * Maps a record of any other kind: its first six scalar fields become labelled custom strings
 * and `msg` carries all of its data as JSON, so nothing is left out.
 */
function genericCef(record: SiemRecord): CefFields {
  const extensions: CefFields["extensions"] = [
    ["rt", record.time],
    ["externalId", record.id],
  ];
  const scalars = Object.entries(record.data).filter(([, value]) =>
    ["string", "number", "boolean"].includes(typeof value)).slice(0, CUSTOM_STRING_FIELDS);
  scalars.forEach(([label, value], index) => {
    extensions.push([`cs${index + 1}Label`, label], [`cs${index + 1}`, String(value)]);
  });
  extensions.push(["msg", JSON.stringify(record.data)]);

  return { name: record.kind, severity: 3, extensions };
}

/** Checks the columns the traffic mapping reads, so a malformed record cannot break it. */
function isTrafficEvent(record: SiemRecord): boolean {
  const data = record.data;
  return record.kind === "traffic" && typeof data.requestId === "string" &&
    typeof data.time === "number" && typeof data.status === "number" &&
    typeof data.detail === "object" && data.detail !== null;
}

/** Maps a traffic record, or falls back to the generic mapping should a column be off-type. */
function trafficFields(record: SiemRecord): CefFields {
  try {
    return trafficCef(record.data as unknown as TrafficEvent);
  } catch {
    return genericCef(record);
  }
}

function clampSeverity(value: number): number {
  return Math.min(10, Math.max(0, Math.round(value)));
}
