/** Passkey steps through the REST gateway, for test/rest/rest-faces.test.ts (a software authenticator answering). */
import { expect } from "vitest";
import type { RestOptions, RestResponse } from "./rest.js";
import { SoftAuthenticator, type SoftCredential } from "./soft-authenticator.js";

type Rpc = (name: string, options?: RestOptions & { path?: Record<string, string> }) => Promise<RestResponse>;

/** The service's defaults: WEBAUTHN__RP_ID=localhost, WEBAUTHN__ORIGINS=["http://localhost:8080"]. */
export const restAuthenticator = () => new SoftAuthenticator({ origin: "http://localhost:8080", rpId: "localhost" });

const ok = (r: RestResponse) => {
  expect(r.status, r.text).toBe(200);
  return r.json;
};

/** StartPasskeyRegistration → the authenticator → FinishPasskeyRegistration; the stored passkey and its credential. */
export async function registerPasskeyOverRest(rpc: Rpc, bearer: string, device: SoftAuthenticator) {
  const { options } = ok(await rpc("auth.v1.UserService/StartPasskeyRegistration", { bearer, body: {} }));
  const response = device.register(options);
  const { passkey } = ok(await rpc("auth.v1.UserService/FinishPasskeyRegistration", { bearer, body: { response, name: "rest key" } }));
  return { passkey, response, credential: device.credentials.at(-1) as SoftCredential };
}

/** StartPasskeyLogin (discoverable) → the authenticator's assertion, ready for FinishPasskeyLogin. */
export async function passkeyAssertionOverRest(rpc: Rpc, device: SoftAuthenticator, credential: SoftCredential) {
  const { options, flowId } = ok(await rpc("auth.v1.AuthService/StartPasskeyLogin", { body: {} }));
  return { flowId: flowId as string, response: device.assert(credential, options) };
}
