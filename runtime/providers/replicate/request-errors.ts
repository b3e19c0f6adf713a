import { invalidRequest, unsupportedParameterFor } from "../request-errors.ts";

export { invalidRequest };

/** Builds the 400 raised for a parameter that Replicate's LLM inputs cannot carry. */
export const unsupportedParameter = unsupportedParameterFor("Replicate");
