import { invalidRequest, unsupportedParameterFor } from "../request-errors.ts";

export { invalidRequest };

/** Builds the 400 raised for a parameter that Anthropic cannot honour. */
export const unsupportedParameter = unsupportedParameterFor("Anthropic");
