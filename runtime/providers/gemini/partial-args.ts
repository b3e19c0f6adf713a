/**
 * Rebuilds function call arguments that Gemini streams piece by piece (`partialArgs`). Each
 * piece names a JSON path (`$.location`, `$.items[0].name`) and a value; string values arrive
 * in slices that are appended to what the path already contains.
 */

import type { GeminiPartialArg } from "./wire.ts";

type Step = string | number;

export class PartialArgs {
  private readonly root: Record<string, unknown> = {};

  add(piece: GeminiPartialArg): void {
    const path = parsePath(piece.jsonPath ?? "");
    if (path === null || path.length === 0) return;

    if (typeof piece.stringValue === "string") {
      const current = this.read(path);
      this.write(path, (typeof current === "string" ? current : "") + piece.stringValue);
    } else if (typeof piece.numberValue === "number") {
      this.write(path, piece.numberValue);
    } else if (typeof piece.boolValue === "boolean") {
      this.write(path, piece.boolValue);
    } else if ("nullValue" in piece) {
      this.write(path, null);
    }
  }

  json(): string {
    return JSON.stringify(this.root);
  }

  private read(path: Step[]): unknown {
    let node: unknown = this.root;
    for (const step of path) {
      if (typeof node !== "object" || node === null) return undefined;
      node = (node as Record<Step, unknown>)[step];
    }
    return node;
  }

  private write(path: Step[], value: unknown): void {
    let node = this.root as Record<Step, unknown>;
    path.slice(0, -1).forEach((step, index) => {
      const next = path[index + 1];
      if (typeof node[step] !== "object" || node[step] === null) {
        node[step] = typeof next === "number" ? [] : {};
      }
      node = node[step] as Record<Step, unknown>;
    });
    node[path.at(-1)!] = value;
  }
}

/** Splits `$.a.b[2]` into steps; returns null for a path it cannot read. */
function parsePath(path: string): Step[] | null {
  if (!path.startsWith("$")) return null;
  const steps: Step[] = [];
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/gy;
  pattern.lastIndex = 1;

  while (pattern.lastIndex < path.length) {
    const match = pattern.exec(path);
    if (match === null) return null;
    if (match[2] !== undefined) steps.push(Number(match[2]));
    else steps.push(match[1] ?? match[3] ?? match[4] ?? "");
  }
  return steps;
}
