import {
  appendFileSync, closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync,
  renameSync, rmSync,
} from "node:fs";
import { join } from "node:path";

/** One bus message that could not be published, as kept on disk until the next boot. */
export interface SpilledMessage {
  requestId: string;
  /** `Nats-Msg-Id` of the message: JetStream drops a republish of a message it already has. */
  msgID: string;
  subject: string;
  data: Uint8Array;
}

/** Messages taken from disk at boot; `done` deletes their file once they are handled. */
export interface SpilledBatch {
  messages: SpilledMessage[];
  /** Lines that could not be parsed (a torn last write); they are dropped. */
  corrupt: number;
  done(): void;
}

const LIVE_FILE = "unpublished.jsonl";
const REPLAY_SUFFIX = ".replay";

/**
 * A folder of bus messages that a node could not publish before it stopped (NATS down at
 * close, or the memory queue full). Each message is one JSON line, synced to disk before
 * `append` returns. At the next boot `take` hands them back for republishing under the same
 * message id, so JetStream drops any that did arrive within its duplicate window.
 * NOTE: nothing locks the folder, so two gateways must not share one data folder.
 */
export class SpillFile {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
    // Spilled events hold key ids and error texts: owner-only, like the event store.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  append(messages: readonly SpilledMessage[]): void {
    if (messages.length === 0) return;
    const lines = messages.map((message) => JSON.stringify({
      requestId: message.requestId,
      msgID: message.msgID,
      subject: message.subject,
      data: Buffer.from(message.data).toString("base64"),
    }) + "\n");
    const path = join(this.#dir, LIVE_FILE);
    appendFileSync(path, lines.join(""), { mode: 0o600 });
    const fd = openSync(path, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Moves every spilled message out of the live file and returns them. Their file stays on
   * disk until `done`, so a crash before the republish finds them again at the next boot.
   */
  take(): SpilledBatch {
    const live = join(this.#dir, LIVE_FILE);
    try {
      renameSync(live, join(this.#dir, `${Date.now()}-${process.pid}${REPLAY_SUFFIX}`));
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ENOENT") throw error;
    }
    const files = readdirSync(this.#dir).filter((name) => name.endsWith(REPLAY_SUFFIX))
      .map((name) => join(this.#dir, name));
    const messages: SpilledMessage[] = [];
    let corrupt = 0;
    for (const file of files) {
      for (const line of readFileSync(file, "utf8").split("\n")) {
        if (line === "") continue;
        const message = parseLine(line);
        if (message === null) corrupt += 1;
        else messages.push(message);
      }
    }
    return {
      messages,
      corrupt,
      done: () => {
        for (const file of files) rmSync(file, { force: true });
      },
    };
  }
}

function parseLine(line: string): SpilledMessage | null {
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    const { requestId, msgID, subject, data } = record;
    if (typeof requestId !== "string" || typeof msgID !== "string" ||
      typeof subject !== "string" || typeof data !== "string") return null;
    return { requestId, msgID, subject, data: new Uint8Array(Buffer.from(data, "base64")) };
  } catch {
    return null;
  }
}
