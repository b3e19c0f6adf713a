/**
 * Validates values against a provider's OpenAPI schemas with Ajv (JSON Schema 2020-12, the
 * dialect of OpenAPI 3.1). Each spec is parsed, adjusted and handed to Ajv once per process,
 * and each operation's schema is compiled once, on first use.
 */

import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { enforceDiscriminators } from "./discriminator.ts";
import { applySpecExceptions } from "./exceptions.ts";
import { formatErrors } from "./format-errors.ts";
import { loadSpec } from "./load-spec.ts";
import { rewriteNullable } from "./nullable.ts";
import {
  type MessageKind,
  type Operation,
  operationName,
  schemaPointer,
} from "./operations.ts";
import type { SpecName } from "./spec-files.ts";

export interface SpecValidation {
  valid: boolean;
  /** One line per problem, `<JSON path>: <message>`, empty when valid. */
  errors: string[];
}

export type SpecCheck = (value: unknown) => SpecValidation;

const instances = new Map<SpecName, Promise<Ajv2020>>();
const checks = new Map<string, Promise<SpecCheck>>();

/** Returns the check for one kind of message of an operation, compiled on first use. */
export function specCheck(operation: Operation, kind: MessageKind): Promise<SpecCheck> {
  const key = `${operationName(operation)} ${kind}`;
  let check = checks.get(key);
  if (check === undefined) {
    check = compileCheck(operation, kind);
    checks.set(key, check);
  }
  return check;
}

/** Validates one value, for callers that check a single message. */
export async function validateWithSpec(
  operation: Operation,
  kind: MessageKind,
  value: unknown,
): Promise<SpecValidation> {
  return (await specCheck(operation, kind))(value);
}

async function compileCheck(operation: Operation, kind: MessageKind): Promise<SpecCheck> {
  const ajv = await ajvFor(operation.spec);
  const document = await loadSpec(operation.spec);
  const pointer = schemaPointer(document, operation, kind);
  const ref = `${documentId(operation.spec)}#${pointer}`;
  const validate: ValidateFunction = ajv.compile({ $ref: ref });

  return (value) => {
    const valid = validate(value);
    const errors = valid ? [] : formatErrors((validate.errors ?? []) as ErrorObject[]);
    return { valid, errors };
  };
}

function ajvFor(spec: SpecName): Promise<Ajv2020> {
  let instance = instances.get(spec);
  if (instance === undefined) {
    instance = createAjv(spec);
    instances.set(spec, instance);
  }
  return instance;
}

async function createAjv(spec: SpecName): Promise<Ajv2020> {
  // A copy, so that the parsed document other tests read stays as published.
  const document = structuredClone(await loadSpec(spec));
  const schemas = document.components.schemas as Record<string, Record<string, unknown>>;
  applySpecExceptions(spec, schemas);
  rewriteNullable(document.components);
  rewriteNullable(document.paths);
  enforceDiscriminators(document.components, document);
  enforceDiscriminators(document.paths, document);

  const ajv = new Ajv2020({
    // Specs carry keywords that JSON Schema does not define (`discriminator`, `example`,
    // `x-stainless-*`, `x-oaiMeta`), and non-strict mode treats them as annotations.
    strict: false,
    allErrors: false,
    // The document is an OpenAPI file, not a schema, so only its parts are compiled.
    validateSchema: false,
  });
  addFormats(ajv);
  // OpenAI's own format for timestamps in seconds since the epoch.
  ajv.addFormat("unixtime", { type: "number", validate: (value) => Number.isInteger(value) });
  ajv.addSchema({ ...document, $id: documentId(spec) });
  return ajv;
}

function documentId(spec: SpecName): string {
  return `https://nexus.invalid/specs/${spec}`;
}
