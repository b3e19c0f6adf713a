// Renders a run's summary as markdown tables, the form pasted into bench/README.md.
import type { ContenderName } from "../contenders/contender.ts";
import type { Scenario } from "./chat-request.ts";
import type { MachineInfo } from "./machine-info.ts";
import type { RatioRow, SummaryRow } from "./summarize.ts";

export interface ContenderReport {
  name: ContenderName;
  status: "measured" | "unavailable";
  reason?: string;
  listeners: string[];
  rssAfterStartMib?: number;
  peakRssMib?: number;
}

export interface RunReport {
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  settings: string;
  contenders: ContenderReport[];
  rows: SummaryRow[];
  ratios: RatioRow[];
  openRates: Partial<Record<Scenario, number>>;
}

function ms(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "–";
  return Math.abs(value) < 10 ? value.toFixed(2) : value.toFixed(1);
}

function signedMs(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "–";
  return (value >= 0 ? "+" : "") + ms(value);
}

function count(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function table(header: string[], rows: string[][]): string {
  const lines = [header, header.map(() => "---"), ...rows];
  return lines.map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

function closedTable(rows: SummaryRow[]): string {
  const header = ["scenario", "c", "contender", "req/s (min–max)", "p50 ms", "p99 ms"];
  header.push("added p50 ms", "first chunk p50 ms", "added first chunk ms", "CPU µs/req", "errors");
  const body = rows.map((row) => [
    row.scenario,
    String(row.level),
    row.contender,
    `${count(row.reqPerSec.median)} (${count(row.reqPerSec.min)}–${count(row.reqPerSec.max)})`,
    ms(row.latencyP50Ms),
    ms(row.latencyP99Ms),
    signedMs(row.addedP50Ms),
    ms(row.firstChunkP50Ms),
    signedMs(row.addedFirstChunkP50Ms),
    count(row.cpuMicrosPerRequest),
    String(row.errors),
  ]);
  return table(header, body);
}

function openTable(rows: SummaryRow[]): string {
  const header = ["scenario", "rate", "contender", "done req/s", "p50 ms", "p99 ms", "added p50"];
  header.push("added p99", "first chunk p50", "first chunk p99", "CPU µs/req", "send lag ms");
  header.push("errors");
  const body = rows.map((row) => [
    row.scenario,
    String(row.level),
    row.contender,
    count(row.reqPerSec.median),
    ms(row.latencyP50Ms),
    ms(row.latencyP99Ms),
    signedMs(row.addedP50Ms),
    signedMs(row.addedP99Ms),
    ms(row.firstChunkP50Ms),
    ms(row.firstChunkP99Ms),
    count(row.cpuMicrosPerRequest),
    ms(row.maxSendLagMs),
    String(row.errors),
  ]);
  return table(header, body);
}

function ratioTable(ratios: RatioRow[]): string {
  if (ratios.length === 0) return "No ratio could be computed (a contender is missing).";
  const body = ratios.map((row) => [
    `${row.numerator} / ${row.denominator}`,
    row.scenario,
    String(row.concurrency),
    row.ratio.toFixed(2),
  ]);
  return table(["throughput ratio", "scenario", "c", "ratio"], body);
}

function addedAtOneTable(rows: SummaryRow[]): string {
  const atOne = rows.filter((row) => row.mode === "closed" && row.level === 1);
  const body = atOne
    .filter((row) => row.contender !== "direct")
    .map((row) => [row.contender, row.scenario, signedMs(row.addedP50Ms)]);
  if (body.length === 0) return "No closed-loop cell at c=1 was measured.";
  return table(["contender", "scenario", "added p50 ms at c=1"], body);
}

function contenderTable(contenders: ContenderReport[]): string {
  const body = contenders.map((contender) => [
    contender.name,
    contender.status === "measured" ? "measured" : `unavailable: ${contender.reason ?? "?"}`,
    contender.listeners.join(", ") || "–",
    ms(contender.rssAfterStartMib),
    ms(contender.peakRssMib),
  ]);
  return table(["contender", "status", "listens on", "RSS after start MiB", "peak RSS MiB"], body);
}

export function renderMarkdown(report: RunReport): string {
  const closed = report.rows.filter((row) => row.mode === "closed");
  const open = report.rows.filter((row) => row.mode === "open");
  const machine = report.machine;
  const rates = Object.entries(report.openRates).map(([scenario, rate]) => `${scenario} ${rate}`);

  return [
    `## Run of ${report.startedAt}`,
    "",
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memory} RAM, ` +
      `Linux ${machine.kernel}; Bun ${machine.bunVersion}, Node ${machine.nodeVersion}, ` +
      `Portkey ${machine.portkeyVersion ?? "not installed"}; load average at start ` +
      `${machine.loadAverage}.`,
    "",
    `Settings: ${report.settings}. Finished ${report.finishedAt}.`,
    "",
    "### Headline",
    "",
    ratioTable(report.ratios),
    "",
    addedAtOneTable(report.rows),
    "",
    "### Closed loop (throughput; latency from actual send)",
    "",
    closed.length > 0 ? closedTable(closed) : "Not run.",
    "",
    `### Open model (constant arrival: ${rates.join(", ") || "–"} req/s; ` +
      "latency from intended send)",
    "",
    open.length > 0 ? openTable(open) : "Not run.",
    "",
    "### Processes",
    "",
    contenderTable(report.contenders),
    "",
  ].join("\n");
}
