import { randomBytes } from "node:crypto";
import { v7 as uuidv7 } from "uuid";
import type { Clock, IdGenerator, Random } from "../../application/ports/time.js";

export const systemClock: Clock = { now: () => new Date() };

export const cryptoRandom: Random = { bytes: (n) => new Uint8Array(randomBytes(n)) };

/** UUIDv7 from the injected clock and randomness, so tests get deterministic ids too. */
export function uuidV7Ids(clock: Clock, random: Random): IdGenerator {
  return { newId: () => uuidv7({ msecs: clock.now().getTime(), random: random.bytes(16) }) };
}
