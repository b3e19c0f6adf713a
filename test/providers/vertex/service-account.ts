/**
 * Throwaway service accounts for the Vertex tests: an RSA key pair made in the test, the
 * private half in a service-account JSON for the gateway, the public half registered with
 * the simulated token endpoint.
 */

import { exportPKCS8, generateKeyPair } from "jose";
import { registerVertexAccount } from "../../simulator/vertex-accounts.ts";

export interface TestServiceAccount {
  /** The service-account key file's JSON text. */
  json: string;
  keyId: string;
  clientEmail: string;
  privateKeyPem: string;
  /** Stops the simulator trusting the key. */
  unregister(): void;
}

export interface ServiceAccountOptions {
  /** The `token_uri` of the JSON, normally `<simulator>/vertex/token`. */
  tokenUri: string;
  /** Distinguishes accounts across test files, which share the simulator's registry. */
  name: string;
  tokenLifetimeSeconds?: number;
  /** Registers this public key instead of the pair's own, to make signatures fail. */
  registerOtherKey?: boolean;
}

export async function createServiceAccount(
  options: ServiceAccountOptions,
): Promise<TestServiceAccount> {
  const pair = await generateKeyPair("RS256", { extractable: true });
  const privateKeyPem = await exportPKCS8(pair.privateKey);
  const keyId = `key-${options.name}-${crypto.randomUUID()}`;
  const clientEmail = `${options.name}@nexus-test.iam.gserviceaccount.com`;

  const registered = options.registerOtherKey === true
    ? (await generateKeyPair("RS256")).publicKey
    : pair.publicKey;
  const unregister = registerVertexAccount({
    keyId,
    clientEmail,
    publicKey: registered,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds,
  });

  const json = JSON.stringify({
    type: "service_account",
    project_id: "nexus-test",
    private_key_id: keyId,
    private_key: privateKeyPem,
    client_email: clientEmail,
    client_id: "100000000000000000000",
    token_uri: options.tokenUri,
  });
  return { json, keyId, clientEmail, privateKeyPem, unregister };
}
