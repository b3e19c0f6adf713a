#!/usr/bin/env bun
import { runCli } from "../cli/main.ts";

// A reader that stops early (`nexus quota show | head -1`) closes the pipe. It has read all it
// wanted, so the command ends quietly with status 0 instead of printing a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2));
