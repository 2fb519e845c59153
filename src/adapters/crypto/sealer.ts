import type { SecretSealer } from "../../application/ports/credentials.js";
import type { SecretBox } from "./secret-box.js";

const PLAIN = "plain:";

/**
 * Seals with CRYPTO__ENCRYPTION_KEY when it is set (required in production); without it, in
 * development, values are kept as they are under a `plain:` marker, and a sealed value read
 * without the key fails loudly.
 *
 * With the key set, a stored `plain:` value is refused, never returned: otherwise whoever can
 * write a row (a restored backup, an SQL injection elsewhere, a careless migration) could plant
 * a secret of their choosing (a TOTP seed, the code HMAC key) that the service would trust as
 * if it had sealed it. Values written before the key was turned on must be re-sealed first
 * (docs/operations.md, "Turning encryption at rest on"). The error never carries the value.
 */
export function createSealer(box: SecretBox | null): SecretSealer {
  return {
    seal: (plaintext, aad) => (box ? box.seal(plaintext, aad) : `${PLAIN}${plaintext}`),
    open: (sealed, aad) => {
      if (sealed.startsWith(PLAIN)) {
        if (box) {
          throw new Error(`an unsealed secret (${aad}) is stored but CRYPTO__ENCRYPTION_KEY is set: re-seal it or start from a database written with the key`);
        }
        return sealed.slice(PLAIN.length);
      }
      if (!box) throw new Error("a sealed secret needs CRYPTO__ENCRYPTION_KEY to be read");
      return box.open(sealed, aad);
    },
  };
}
