// Starts the benchmark's server processes and stops them again, by pid, on every exit path.
import { closeSync, openSync, readFileSync } from "node:fs";
import type { Subprocess } from "bun";
import { processTree, readStat } from "./proc-stats.ts";

export interface ChildSpec {
  name: string;
  cmd: string[];
  cwd: string;
  env?: Record<string, string>;
  /** File for stdout and stderr, because an unread pipe would stall a server that logs a lot. */
  logPath: string;
}

export interface Child {
  name: string;
  pid: number;
  logPath: string;
  process: Subprocess;
}

const running = new Map<number, Child>();

export function spawnChild(spec: ChildSpec): Child {
  const fd = openSync(spec.logPath, "a");
  try {
    const process = Bun.spawn({
      cmd: spec.cmd,
      cwd: spec.cwd,
      env: { ...Bun.env, ...spec.env },
      stdin: "ignore",
      stdout: fd,
      stderr: fd,
    });
    const child = { name: spec.name, pid: process.pid, logPath: spec.logPath, process };
    running.set(child.pid, child);
    return child;
  } finally {
    closeSync(fd);
  }
}

/** Returns the last lines of a child's log, for error messages. */
export function logTail(child: Child, lines = 15): string {
  try {
    return readFileSync(child.logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function exitedWithin(child: Child, ms: number): Promise<boolean> {
  const timeout = Bun.sleep(ms).then(() => false);
  return Promise.race([child.process.exited.then(() => true), timeout]);
}

/**
 * Stops a child with SIGTERM, then SIGKILL after `graceMs`. Descendants it started and left
 * behind get SIGKILL too, matched by pid and start time so that a reused pid is never hit.
 */
export async function stopChild(child: Child, graceMs = 3000): Promise<void> {
  const descendants = processTree(child.pid).slice(1);
  if (child.process.exitCode === null && child.process.signalCode === null) {
    child.process.kill("SIGTERM");
    if (!(await exitedWithin(child, graceMs))) child.process.kill("SIGKILL");
    await child.process.exited;
  }

  for (const stat of descendants) {
    if (readStat(stat.pid)?.startTicks === stat.startTicks) process.kill(stat.pid, "SIGKILL");
  }
  running.delete(child.pid);
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running.values()].map((child) => stopChild(child)));
}

/** Stops every child on Ctrl-C, SIGTERM or a crash of the driver, then exits. */
export function stopChildrenOnExit(): void {
  const shutdown = (reason: string, code: number) => {
    console.error(`bench: ${reason}; stopping ${running.size} server process(es)`);
    void stopAllChildren().finally(() => process.exit(code));
  };
  process.once("SIGINT", () => shutdown("interrupted", 130));
  process.once("SIGTERM", () => shutdown("terminated", 143));
  process.once("uncaughtException", (error) => {
    console.error(error);
    shutdown("uncaught exception", 1);
  });
  process.once("unhandledRejection", (error) => {
    console.error(error);
    shutdown("unhandled rejection", 1);
  });
}
