/**
 * Decodes a Voyage embeddings response into OpenAI's shape. OpenAI's base64 form is the raw
 * bytes of little-endian float32 values, which is also what Voyage returns for
 * `encoding_format: "base64"` with float vectors, so Voyage's strings pass through unchanged.
 * NOTE: Voyage documents its base64 as "a NumPy array of single-precision floats" without naming
 * the byte order. Little-endian is assumed because NumPy uses the host's order, which is
 * little-endian on x86 and ARM servers.
 */

import type { EmbeddingRequest, EmbeddingResponse } from "../../canonical/embeddings.ts";
import { invalidUpstream } from "./upstream-errors.ts";
import type { VoyageEmbedding } from "./wire.ts";

type Vector = EmbeddingResponse["data"][number]["embedding"];

/** Converts each vector to the client's `encoding_format`, passed in as `encodingFormat`. */
export function decodeEmbeddingResponse(
  body: unknown,
  clientModel: string,
  encodingFormat: EmbeddingRequest["encoding_format"] = "float",
): EmbeddingResponse {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw invalidUpstream("the response has no data list.");

  const usage = (body as { usage?: { total_tokens?: unknown } }).usage;
  const tokens = typeof usage?.total_tokens === "number" ? usage.total_tokens : 0;

  return {
    object: "list",
    data: data.map((item: unknown, position) => {
      const embedding = readEmbedding(item, position);
      return {
        object: "embedding",
        index: embedding.index,
        embedding: toClientFormat(embedding.embedding, encodingFormat),
      };
    }),
    model: clientModel,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

function readEmbedding(item: unknown, position: number): VoyageEmbedding {
  const candidate = item as Partial<VoyageEmbedding> | null;
  const vector = candidate?.embedding;
  const isVector =
    typeof vector === "string" ||
    (Array.isArray(vector) && vector.every((value) => typeof value === "number"));
  if (!isVector) throw invalidUpstream(`data[${position}] has no embedding vector.`);

  const index = typeof candidate?.index === "number" ? candidate.index : position;
  return { object: "embedding", embedding: vector, index };
}

function toClientFormat(vector: Vector, encodingFormat: string): Vector {
  if (encodingFormat === "base64") return typeof vector === "string" ? vector : toBase64(vector);
  return typeof vector === "string" ? fromBase64(vector) : vector;
}

function toBase64(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes.toString("base64");
}

/** Converts a base64 vector for a client that requested floats, in case Voyage sends one. */
function fromBase64(text: string): number[] {
  const bytes = Buffer.from(text, "base64");
  if (bytes.length % 4 !== 0) throw invalidUpstream("a base64 vector is not whole float32 values.");

  const values: number[] = [];
  for (let offset = 0; offset < bytes.length; offset += 4) values.push(bytes.readFloatLE(offset));
  return values;
}
