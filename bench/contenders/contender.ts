// The one interface every benchmarked target implements, so the driver treats them alike.
import type { Child } from "../lib/child-process.ts";

export const CONTENDER_NAMES = ["direct", "bare-proxy", "portkey", "nexus"] as const;
export type ContenderName = (typeof CONTENDER_NAMES)[number];

/** Run facts a contender needs to start: the upstream, folders and paths. */
export interface StartContext {
  /** The mock upstream's origin, e.g. http://127.0.0.1:41234 (no trailing slash, no path). */
  upstreamOrigin: string;
  /** The mock upstream's process; `direct` reports it as its own. */
  upstream: Child;
  /** Addresses the mock upstream listens on, checked to be loopback only. */
  upstreamListeners: string[];
  /** The Nexus repository root, one level above bench/. */
  repoRoot: string;
  benchRoot: string;
  /** A directory for this run's config files, data and logs. */
  workDir: string;
}

export interface Contender {
  readonly name: ContenderName;
  /** Origin the driver sends `/v1/chat/completions` to; valid after start(). */
  readonly baseUrl: string;
  /** Headers added to every request (routing, auth). */
  readonly headers: Record<string, string>;
  /** Model name to put in the request body. */
  readonly model: string;
  /** The process whose CPU time and memory count as this contender's cost; after start(). */
  readonly process: Child;
  /** Listening addresses that were checked to be loopback only; after start(). */
  readonly listeners: string[];
  start(context: StartContext): Promise<void>;
  stop(): Promise<void>;
}
