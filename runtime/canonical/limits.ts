/**
 * The largest output-token limit a request may ask for. Every provider caps output far below
 * this (the largest today are around 128 Ki tokens); the bound keeps absurd values such as
 * 1e300 from reaching a provider or a budget estimate.
 */
export const MAX_OUTPUT_TOKENS = 1_048_576;
