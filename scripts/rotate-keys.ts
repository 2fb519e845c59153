/**
 * Rotates the access-token signing key: a new Ed25519 key signs from now on; the old one keeps
 * verifying until the last token it signed has expired. The new key activates in 75 s, after
 * every running instance has reloaded its keys (they do every minute).
 *   npm run keys:rotate
 */
import "dotenv/config";
import { KeyRing } from "../src/adapters/crypto/key-ring.js";
import { SecretBox } from "../src/adapters/crypto/secret-box.js";
import { systemClock } from "../src/adapters/crypto/system.js";
import { openDatabase } from "../src/adapters/prisma/client.js";
import { PrismaSigningKeyRepository } from "../src/adapters/prisma/signing-key-repository.js";
import { loadConfig } from "../src/config.js";

const config = loadConfig();
const db = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir, poolSize: 1 });
try {
  const ring = new KeyRing(
    new PrismaSigningKeyRepository(db.prisma),
    config.crypto.encryptionKey ? new SecretBox(config.crypto.encryptionKey) : null,
    systemClock,
    { accessTokenTtlSeconds: config.jwt.accessTokenExpireMinutes * 60, reloadMinIntervalMs: 0 },
  );
  await ring.init();
  // 75 s: longer than the instances' 60 s periodic reload, so all of them know the key first.
  const kid = await ring.rotate(75);
  console.log(
    `new signing key ${kid} signs in 75 s; verifying keys: ${ring
      .publicJwks()
      .map((k) => k.kid)
      .join(", ")}`,
  );
} finally {
  await db.close();
}
