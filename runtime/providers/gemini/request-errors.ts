import { invalidRequest, unsupportedParameterFor } from "../request-errors.ts";

export { invalidRequest };

/** Builds the 400 raised for a parameter that Gemini cannot honour. */
export const unsupportedParameter = unsupportedParameterFor("Gemini");
