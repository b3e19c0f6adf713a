// CPU time and memory of a process tree, read from Linux's /proc (see proc(5)).
import { readdirSync, readFileSync } from "node:fs";

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime in clock ticks. */
  cpuTicks: number;
  /** cutime + cstime: CPU of children that exited and were waited for, in clock ticks. */
  childCpuTicks: number;
  /** Start time after boot in clock ticks; with the pid it identifies one process. */
  startTicks: number;
}

/** Parses one /proc/<pid>/stat line. The command name may hold spaces and parentheses. */
export function parseStat(line: string): ProcStat {
  const open = line.indexOf("(");
  const close = line.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`invalid /proc stat line: ${line.slice(0, 80)}`);

  // Fields after the name start at field 3 (state); proc(5) numbers fields from 1.
  const rest = line.slice(close + 2).trim().split(/\s+/);
  const field = (n: number): number => Number(rest[n - 3]);
  return {
    pid: Number(line.slice(0, open).trim()),
    ppid: field(4),
    cpuTicks: field(14) + field(15),
    childCpuTicks: field(16) + field(17),
    startTicks: field(22),
  };
}

export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

/** Returns `pid` and every live descendant of it. */
export function processTree(pid: number): ProcStat[] {
  const byParent = new Map<number, ProcStat[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat === undefined) continue;
    const siblings = byParent.get(stat.ppid) ?? [];
    siblings.push(stat);
    byParent.set(stat.ppid, siblings);
  }

  const root = readStat(pid);
  if (root === undefined) return [];
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(byParent.get(tree[i]!.pid) ?? []));
  return tree;
}

const clockTicksPerSecond = readClockTicks();

function readClockTicks(): number {
  const result = Bun.spawnSync(["getconf", "CLK_TCK"]);
  const ticks = Number(result.stdout.toString().trim());
  // NOTE: 100 is the value on every mainstream Linux build; used only when getconf is missing.
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
}

/** CPU time of a process tree in microseconds, including its reaped children. */
export function treeCpuMicros(pid: number): number {
  let ticks = 0;
  for (const stat of processTree(pid)) ticks += stat.cpuTicks + stat.childCpuTicks;
  return (ticks * 1_000_000) / clockTicksPerSecond;
}

/** Reads a `Vm*` line of /proc/<pid>/status in KiB; undefined when the process is gone. */
export function readStatusKib(pid: number, field: "VmHWM" | "VmRSS"): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** Sums a memory field over a process tree, in MiB. */
export function treeMemoryMib(pid: number, field: "VmHWM" | "VmRSS"): number {
  let kib = 0;
  for (const stat of processTree(pid)) kib += readStatusKib(stat.pid, field) ?? 0;
  return kib / 1024;
}
