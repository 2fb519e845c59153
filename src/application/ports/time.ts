/** Time, randomness, ids, and what a request carries. Ports owned by the application; adapters implement them. */
export interface Clock {
  now(): Date;
}

export interface Random {
  /** Cryptographically secure random bytes. */
  bytes(length: number): Uint8Array;
}

export interface IdGenerator {
  /** A UUIDv7 string (time-ordered). */
  newId(): string;
}

/** Who is calling, for audit events and limits. Filled by the inbound adapter. */
export interface RequestContext {
  requestId: string;
  ipAddress: string;
  userAgent: string;
}
