/**
 * What the API key end-to-end tests share: the ApiKeyService client, a unit-of-work seam that
 * hands the test the server's own repositories and counts every apiKeys call (to show a
 * broken checksum reads nothing), and a service key stored as the operators' CLI would.
 */
import { credentials } from "@grpc/grpc-js";
import { v7 as uuidv7 } from "uuid";
import { cryptoRandom } from "../../src/adapters/crypto/system.js";
import { newApiKeySecret } from "../../src/application/api-keys/key-secret.js";
import type { UnitOfWork } from "../../src/application/ports/unit-of-work.js";
import { ApiKeyServiceClient } from "../../src/gen/pb/auth/v1/api_key_service.js";

export function apiKeyClient(port: number): ApiKeyServiceClient {
  return new ApiKeyServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
}

/** A wrapUnitOfWork seam: `seam.uow` is the server's unit of work, `seam.apiKeyCalls` counts apiKeys calls. */
export function apiKeySeam(): { wrap: (uow: UnitOfWork) => UnitOfWork; uow: () => UnitOfWork; apiKeyCalls: number } {
  let captured: UnitOfWork | null = null;
  const seam = {
    apiKeyCalls: 0,
    uow: () => {
      if (!captured) throw new Error("the server has not started");
      return captured;
    },
    wrap: (inner: UnitOfWork): UnitOfWork => {
      const apiKeys = new Proxy(inner.apiKeys, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            seam.apiKeyCalls += 1;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      captured = { ...inner, apiKeys, transaction: inner.transaction, ensureAvailable: inner.ensureAvailable };
      return captured;
    },
  };
  return seam;
}

/** A service account with one key (`sk_...`) holding `scopes`, written through the repositories. */
export async function createServiceKey(
  uow: UnitOfWork,
  scopes: string[] = ["validate"],
  now = new Date(),
): Promise<{ serviceId: string; keyId: string; secret: string }> {
  const serviceId = uuidv7();
  await uow.serviceAccounts.create({ id: serviceId, name: `svc-${serviceId}`, isActive: true, createdAt: now });
  const { secret, keyHash, start } = newApiKeySecret(cryptoRandom, "service");
  const keyId = uuidv7();
  await uow.apiKeys.insert({ id: keyId, owner: { type: "service", serviceId }, name: "test", start, keyHash, scopes, createdAt: now, expiresAt: null });
  return { serviceId, keyId, secret };
}
