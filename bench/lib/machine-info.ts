// Facts about the machine and tool versions, stored with every result.
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg, release, totalmem } from "node:os";

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memory: string;
  kernel: string;
  bunVersion: string;
  nodeVersion: string;
  portkeyVersion: string | undefined;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAverage: string;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    return match?.[1]?.trim() ?? "unknown CPU";
  } catch {
    return "unknown CPU";
  }
}

function nodeVersion(): string {
  const result = Bun.spawnSync(["node", "--version"]);
  return result.exitCode === 0 ? result.stdout.toString().trim() : "not found";
}

export function readMachineInfo(portkeyVersion: string | undefined): MachineInfo {
  return {
    cpuModel: cpuModel(),
    cores: availableParallelism(),
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: release(),
    bunVersion: Bun.version,
    nodeVersion: nodeVersion(),
    portkeyVersion,
    loadAverage: loadavg().map((value) => value.toFixed(2)).join(" "),
  };
}
