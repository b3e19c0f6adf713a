import { NexusError } from "../errors/nexus-error.ts";

/**
 * Raises the error for a vector or search argument the index cannot use. Vectors come from the
 * gateway's own embedding call, so a bad one is a server fault, not a client one.
 */
export function vectorError(message: string): NexusError {
  return new NexusError("internal_error", message, { status: 500, type: "api_error" });
}

/**
 * Returns 1 / |vector|, summed in float64. Rejects a vector of the wrong dimension, one that
 * contains NaN or infinity, and the zero vector, none of which has a cosine similarity.
 */
export function inverseNorm(vector: Float32Array, dimension: number): number {
  if (vector.length !== dimension) {
    throw vectorError(`vector has dimension ${vector.length}, the index expects ${dimension}`);
  }

  let squares = 0;
  for (let i = 0; i < dimension; i++) {
    const x = vector[i] as number;
    squares += x * x;
  }

  const norm = Math.sqrt(squares);
  if (!(norm > 0) || !Number.isFinite(norm)) {
    throw vectorError("invalid vector: length zero or NaN or infinity, so it has no direction");
  }
  return 1 / norm;
}

/** Rejects a `k` that is not a non-negative integer and a `minScore` that is NaN. */
export function checkSearchArguments(k: number, minScore: number): void {
  if (!Number.isInteger(k) || k < 0) {
    throw vectorError(`k must be a non-negative integer, got ${k}`);
  }
  if (Number.isNaN(minScore)) {
    throw vectorError("minScore must be a number, got NaN");
  }
}

/** Rejects a dimension or initial capacity that is not a positive integer. */
export function checkShape(dimension: number, initialCapacity: number): void {
  if (!Number.isInteger(dimension) || dimension < 1) {
    throw vectorError(`dimension must be a positive integer, got ${dimension}`);
  }
  if (!Number.isInteger(initialCapacity) || initialCapacity < 1) {
    throw vectorError(`initialCapacity must be a positive integer, got ${initialCapacity}`);
  }
}
