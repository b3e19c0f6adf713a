import { invalidRequest, unsupportedParameterFor } from "../request-errors.ts";

export { invalidRequest };

/** Builds the 400 raised for a parameter that Bedrock cannot honour. */
export const unsupportedParameter = unsupportedParameterFor("Bedrock");
