/**
 * Voyage AI's `POST /v1/embeddings` wire shapes, as its API reference documents them
 * (docs.voyageai.com, "Text embeddings").
 */

export type VoyageInputType = "query" | "document";

export type VoyageOutputDtype = "float" | "int8" | "uint8" | "binary" | "ubinary";

export interface VoyageEmbedRequest {
  input: string[];
  model: string;
  /** `null` embeds the text as is; `query` and `document` make Voyage prepend a prompt. */
  input_type?: VoyageInputType | null;
  truncation?: boolean;
  output_dimension?: number;
  output_dtype?: VoyageOutputDtype;
  /** `null` returns number lists; `base64` returns each vector as a base64 NumPy array. */
  encoding_format?: "base64" | null;
}

export interface VoyageEmbedding {
  object: "embedding";
  embedding: number[] | string;
  index: number;
}

export interface VoyageEmbedResponse {
  object: "list";
  data: VoyageEmbedding[];
  model: string;
  usage: { total_tokens: number };
}
