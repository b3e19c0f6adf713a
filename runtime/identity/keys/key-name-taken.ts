/**
 * Raised by a key store when an insert breaks the unique index on the name of live keys,
 * because another create of the same name in the org committed first. `createVirtualKey`
 * turns it into the `KeyInputError` that names the key that has the name.
 */
export class KeyNameTakenError extends Error {
  constructor(readonly org: string, readonly keyName: string, options?: { cause?: unknown }) {
    super(`key name "${keyName}" is already used in org "${org}"`, options);
    this.name = "KeyNameTakenError";
  }
}
