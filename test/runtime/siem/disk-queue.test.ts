import { afterEach, describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskQueue, type DiskQueueOptions } from "../../../runtime/siem/disk-queue.ts";
import type { SiemRecord } from "../../../runtime/siem/record.ts";

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "nexus-siem-queue-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function record(index: number): SiemRecord {
  return { kind: "traffic", id: `r${index}`, time: index, data: { n: index } };
}

const options: DiskQueueOptions = { maxBytes: 1024 * 1024, segmentBytes: 4096, fsync: "always" };
const segments = (dir: string) => readdirSync(dir).filter((name) => name.endsWith(".seg"));

describe("disk queue", () => {
  test("peek returns records in order and commit consumes them", () => {
    const queue = new DiskQueue(freshDir(), options);
    queue.append([record(1), record(2), record(3)]);
    expect(queue.pendingRecords).toBe(3);

    const first = queue.peek(2);
    expect(first.records.map((r) => r.id)).toEqual(["r1", "r2"]);
    expect(queue.peek(2).records.map((r) => r.id)).toEqual(["r1", "r2"]);
    queue.commit(first);
    expect(queue.pendingRecords).toBe(1);
    expect(queue.peek(10).records.map((r) => r.id)).toEqual(["r3"]);
    queue.close();
  });

  test("rolls segments and deletes spent ones", () => {
    const dir = freshDir();
    const queue = new DiskQueue(dir, { ...options, segmentBytes: 200 });
    queue.append(Array.from({ length: 30 }, (_, i) => record(i)));
    expect(segments(dir).length).toBeGreaterThan(3);

    const all = queue.peek(100);
    expect(all.records.map((r) => r.id)).toEqual(Array.from({ length: 30 }, (_, i) => `r${i}`));
    queue.commit(all);
    expect(segments(dir).length).toBe(1);
    expect(queue.pendingBytes).toBe(0);
    queue.close();
  });

  test("reopen resumes at the saved cursor", () => {
    const dir = freshDir();
    const first = new DiskQueue(dir, { ...options, segmentBytes: 300 });
    first.append(Array.from({ length: 20 }, (_, i) => record(i)));
    first.commit(first.peek(7));
    first.close();

    const reopened = new DiskQueue(dir, { ...options, segmentBytes: 300 });
    expect(reopened.pendingRecords).toBe(13);
    expect(reopened.peek(100).records.map((r) => r.id))
      .toEqual(Array.from({ length: 13 }, (_, i) => `r${i + 7}`));
    reopened.append([record(99)]);
    expect(reopened.peek(100).records.at(-1)?.id).toBe("r99");
    reopened.close();
  });

  test("torn last line is cut at open", () => {
    const dir = freshDir();
    const queue = new DiskQueue(dir, options);
    queue.append([record(1), record(2)]);
    queue.close();
    appendFileSync(join(dir, segments(dir)[0]!), '{"kind":"traffic","id":"r3"');

    const reopened = new DiskQueue(dir, options);
    expect(reopened.tornBytes).toBe(27);
    expect(reopened.pendingRecords).toBe(2);
    reopened.append([record(4)]);
    expect(reopened.peek(10).records.map((r) => r.id)).toEqual(["r1", "r2", "r4"]);
    reopened.close();
  });

  test("unparseable line is counted as corrupt", () => {
    const dir = freshDir();
    const queue = new DiskQueue(dir, options);
    queue.append([record(1)]);
    queue.close();
    appendFileSync(join(dir, segments(dir)[0]!), "not json\n");

    const reopened = new DiskQueue(dir, options);
    reopened.append([record(2)]);
    const batch = reopened.peek(10);
    expect(batch.records.map((r) => r.id)).toEqual(["r1", "r2"]);
    expect(batch.corrupt).toBe(1);
    reopened.commit(batch);
    expect(reopened.pendingRecords).toBe(0);
    reopened.close();
  });

  test("full queue drops new records and counts them", () => {
    const line = Buffer.byteLength(`${JSON.stringify(record(1))}\n`);
    const queue = new DiskQueue(freshDir(), { ...options, maxBytes: line * 5 });
    const result = queue.append(Array.from({ length: 8 }, (_, i) => record(i)));
    expect(result).toEqual({ accepted: 5, dropped: 3 });
    expect(queue.pendingBytes).toBe(line * 5);

    queue.commit(queue.peek(2));
    expect(queue.append([record(8), record(9), record(10)])).toEqual({ accepted: 2, dropped: 1 });
    expect(queue.peek(10).records.map((r) => r.id)).toEqual(["r2", "r3", "r4", "r8", "r9"]);
    queue.close();
  });
});

describe("disk queue file modes", () => {
  test("the folder and its files are owner-only", () => {
    const dir = join(freshDir(), "siem", "hec");
    const queue = new DiskQueue(dir, options);
    queue.append([record(1)]);
    queue.commit(queue.peek(10));

    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(dir)) {
      expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    }
  });
});

