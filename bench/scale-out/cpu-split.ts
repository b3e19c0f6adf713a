// CPU time per part of the deployment during one cell: the gateways, writers and simulator the
// bench started, the shared services, the driver itself and the rest of the machine.
import { readdirSync, readFileSync } from "node:fs";
import { readStat, treeCpuMicros } from "../lib/proc-stats.ts";

/** A named group of process trees whose CPU time is summed. */
export interface CpuGroup {
  name: string;
  pids: () => number[];
}

/** CPU seconds per group over a cell, and the machine's busy seconds over all cores. */
export interface CpuSplit {
  seconds: Record<string, number>;
  machineBusySeconds: number;
  wallSeconds: number;
}

const SERVICE_COMMANDS: Record<string, string[]> = {
  postgres: ["postgres", "postmaster"],
  valkey: ["redis-server", "valkey-server"],
  nats: ["nats-server"],
};

function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return undefined;
  }
}

/**
 * Returns the top processes of a shared service: those whose command matches and whose parent's
 * does not. Their trees include the per-connection backends PostgreSQL forks, and reaped
 * backends count through the parent's child CPU time.
 */
function serviceRoots(commands: string[]): number[] {
  const roots: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const command = commandOf(pid);
    if (command === undefined || !commands.includes(command)) continue;
    const parent = readStat(pid)?.ppid;
    const parentCommand = parent === undefined ? undefined : commandOf(parent);
    if (parentCommand === undefined || !commands.includes(parentCommand)) roots.push(pid);
  }
  return roots;
}

/** Groups for PostgreSQL, Valkey and NATS, found by command name on this machine. */
export function serviceGroups(): CpuGroup[] {
  return Object.entries(SERVICE_COMMANDS).map(([name, commands]) => ({
    name,
    pids: () => serviceRoots(commands),
  }));
}

function groupMicros(group: CpuGroup): number {
  return group.pids().reduce((sum, pid) => sum + treeCpuMicros(pid), 0);
}

/** Busy (non-idle, non-iowait) time of all cores from /proc/stat, in clock ticks. */
function machineBusyTicks(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return fields.reduce((sum, value) => sum + value, 0) - idle;
}

const TICKS_PER_SECOND = 100;

/** Starts measuring; the returned function ends the measurement and returns the split. */
export function startCpuSplit(groups: CpuGroup[]): () => CpuSplit {
  const before = new Map(groups.map((group) => [group.name, groupMicros(group)]));
  const driverBefore = process.cpuUsage();
  const busyBefore = machineBusyTicks();
  const started = performance.now();
  return () => {
    const seconds: Record<string, number> = {};
    for (const group of groups) {
      seconds[group.name] = (groupMicros(group) - (before.get(group.name) ?? 0)) / 1e6;
    }
    const driver = process.cpuUsage(driverBefore);
    seconds.driver = (driver.user + driver.system) / 1e6;
    return {
      seconds,
      // NOTE: /proc/stat counts in USER_HZ, 100 on mainstream Linux builds.
      machineBusySeconds: (machineBusyTicks() - busyBefore) / TICKS_PER_SECOND,
      wallSeconds: (performance.now() - started) / 1000,
    };
  };
}
