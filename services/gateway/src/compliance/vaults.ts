import type { Principal } from "../../../../runtime/hooks/stage.ts";
import { TokenVault } from "../../../../runtime/hooks/token-vault.ts";

/**
 * The tokenization vault of each request in flight, keyed by the request's principal object,
 * which admission creates once per request and hands to every later check of that request.
 * Weak keys let a vault go with its request.
 */
const VAULTS = new WeakMap<Principal, TokenVault>();

export function vaultOf(principal: Principal): TokenVault {
  let vault = VAULTS.get(principal);
  if (vault === undefined) {
    vault = new TokenVault();
    VAULTS.set(principal, vault);
  }
  return vault;
}

/** Returns the vault when the request's values were tokenized, else null. */
export function issuedVault(principal: Principal | null): TokenVault | null {
  if (principal === null) return null;
  const vault = VAULTS.get(principal);
  return vault !== undefined && vault.size > 0 ? vault : null;
}
