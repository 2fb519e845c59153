import type { SecretSealer } from "../../application/ports.js";
import { SecretBox } from "./secret-box.js";

/**
 * Seals with CRYPTO__ENCRYPTION_KEY when it is set (required in production); without it, in
 * development, values are kept as they are under a `plain:` marker so that turning the key on
 * later is possible, and a sealed value read without the key fails loudly.
 */
export function createSealer(box: SecretBox | null): SecretSealer {
  return {
    seal: (plaintext, aad) => (box ? box.seal(plaintext, aad) : `plain:${plaintext}`),
    open: (sealed, aad) => {
      if (sealed.startsWith("plain:")) return sealed.slice(6);
      if (!box) throw new Error("a sealed secret needs CRYPTO__ENCRYPTION_KEY to be read");
      return box.open(sealed, aad);
    },
  };
}
