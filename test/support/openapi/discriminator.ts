/**
 * Makes OpenAPI's `discriminator` count during validation. JSON Schema ignores the keyword, so
 * a failing union reports every branch's errors, most of them about branches the value never
 * meant. For a `oneOf` or `anyOf` with a discriminator (declared, or implied by `type`, see
 * impliedDiscriminator), this adds one `if`/`then` per branch ahead of the union: when the
 * property has the branch's value, the value must match that branch. The union still applies
 * after them, so nothing the spec rejects is accepted, and a value that fails is reported with
 * the errors of the branch its discriminator picks.
 */

type Node = Record<string, unknown>;

interface Discriminator {
  propertyName: string;
  mapping?: Record<string, string>;
}

/** Rewrites the discriminated unions below `root` in place, resolving `$ref`s in `document`. */
export function enforceDiscriminators(root: unknown, document: unknown): void {
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== "object" || value === null) return;

    const node = value as Node;
    for (const child of Object.values(node)) visit(child);
    const keyword = unionKeyword(node);
    if (keyword === undefined) return;

    const branches = node[keyword] as Node[];
    const declared = node.discriminator as Discriminator | undefined;
    const discriminator = declared ?? impliedDiscriminator(branches, document);
    if (discriminator === undefined) return;
    const checks = branches.flatMap((branch) => branchChecks(branch, discriminator, document));
    if (checks.length === 0) return;
    const union = { [keyword]: branches };
    delete node[keyword];
    node.allOf = [...checks, union, ...((node.allOf as Node[] | undefined) ?? [])];
  };
  visit(root);
}

function unionKeyword(node: Node): "oneOf" | "anyOf" | undefined {
  if (Array.isArray(node.oneOf)) return "oneOf";
  if (Array.isArray(node.anyOf)) return "anyOf";
  return undefined;
}

/**
 * Treats `type` as the discriminator of a union without one when every branch gives `type` a
 * single value of its own (OpenAI's `ResponseStreamEvent` is such an `anyOf`). A value whose
 * `type` is `v` can then only match the branch with `v`, so the added checks accept and reject
 * exactly what the union does.
 */
function impliedDiscriminator(branches: Node[], document: unknown): Discriminator | undefined {
  const implied = { propertyName: "type" };
  const seen = new Set<unknown>();
  for (const branch of branches) {
    const values = discriminatorValues(branch, implied, document);
    if (values.length !== 1 || seen.has(values[0])) return undefined;
    seen.add(values[0]);
  }
  return branches.length > 1 ? implied : undefined;
}

/** Returns `if`/`then` checks for each discriminator value that selects `branch`. */
function branchChecks(branch: Node, discriminator: Discriminator, document: unknown): Node[] {
  const property = discriminator.propertyName;
  return discriminatorValues(branch, discriminator, document).map((value) => ({
    if: { properties: { [property]: { const: value } }, required: [property] },
    then: branch,
  }));
}

function discriminatorValues(
  branch: Node,
  discriminator: Discriminator,
  document: unknown,
): unknown[] {
  const ref = branch.$ref;
  const mapped = Object.entries(discriminator.mapping ?? {})
    .filter(([, target]) => target === ref)
    .map(([value]) => value);
  if (mapped.length > 0) return mapped;

  // Without a mapping entry, the branch's own `const` or `enum` for the property gives it.
  const schema = typeof ref === "string" ? resolveLocalRef(document, ref) : branch;
  const properties = schema?.properties as Record<string, Node> | undefined;
  const declared = properties?.[discriminator.propertyName];
  if (declared?.const !== undefined) return [declared.const];
  if (Array.isArray(declared?.enum)) return declared.enum as unknown[];
  return [];
}

function resolveLocalRef(document: unknown, ref: string): Node | undefined {
  if (!ref.startsWith("#/")) return undefined;
  let value: unknown = document;
  for (const part of ref.slice(2).split("/")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Node)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return typeof value === "object" && value !== null ? (value as Node) : undefined;
}
