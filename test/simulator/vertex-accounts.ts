/**
 * The service accounts the simulated Vertex token endpoint trusts, and the access tokens it
 * issued. Tests generate a key pair, register its public half under the key id that the
 * service-account JSON names, and give the gateway the private half. The state is per process,
 * shared by every simulator in it, so each test file uses its own key ids.
 */

/** Google issues access tokens for an hour minus a second. */
const DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;

export interface VertexAccount {
  /** `private_key_id` of the service-account JSON, sent as the assertion's `kid`. */
  keyId: string;
  clientEmail: string;
  publicKey: CryptoKey;
  /** `expires_in` of the tokens issued to this account. */
  tokenLifetimeSeconds?: number;
}

const accounts = new Map<string, VertexAccount>();
/** Expiry time (ms since the epoch) of each access token issued. */
const issuedTokens = new Map<string, number>();

/** Trusts `account` until the returned function is called. */
export function registerVertexAccount(account: VertexAccount): () => void {
  accounts.set(account.keyId, account);
  return () => {
    if (accounts.get(account.keyId) === account) accounts.delete(account.keyId);
  };
}

export function vertexAccount(keyId: string): VertexAccount | undefined {
  return accounts.get(keyId);
}

/** Records a token as valid, for `lifetimeSeconds`; tests use it for a ready-made token. */
export function issueVertexToken(value: string, lifetimeSeconds: number): void {
  issuedTokens.set(value, Date.now() + lifetimeSeconds * 1000);
}

export function tokenLifetimeOf(account: VertexAccount): number {
  return account.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
}

export function isValidVertexToken(value: string): boolean {
  const expiresAt = issuedTokens.get(value);
  return expiresAt !== undefined && Date.now() < expiresAt;
}
