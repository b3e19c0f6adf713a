import type { Simulator } from "../simulator/server.ts";

/**
 * Makes the simulator answer the next OpenAI embeddings call with `vector`, so a semantic
 * cache test decides which prompts are near each other.
 */
export function embedNextAs(simulator: Simulator, vector: number[]): void {
  simulator.enqueue({
    match: { provider: "openai", path: "/embeddings" },
    status: 200,
    body: {
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: vector }],
      model: "text-embedding-3-small",
      usage: { prompt_tokens: 4, total_tokens: 4 },
    },
  });
}

/**
 * Returns a unit vector of `dimensions` on the first axis, turned by `angle` radians toward
 * the last one, so two prompts' similarity is set by the angle between them.
 */
export function turnedVector(dimensions: number, angle: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  vector[0] = Math.cos(angle);
  vector[dimensions - 1] = Math.sin(angle);
  return vector;
}
