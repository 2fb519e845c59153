/** What instances share: revocations and attempt counts. Ports owned by the application; adapters implement them. */
export interface RevocationListener {
  /** Sessions revoked on any instance (this one included). */
  onRevoked(sessionIds: string[]): void;
  /** Messages may have been missed (reconnect): drop everything cached. */
  onReset(): void;
}

/** Fans a session revocation out to every instance (Redis pub/sub; in-process by default). */
export interface RevocationBus {
  publish(sessionIds: string[]): Promise<void>;
  subscribe(listener: RevocationListener): Promise<() => Promise<void>>;
  /** False while delivery cannot be guaranteed (disconnected); caches must not be trusted then. */
  isHealthy(): boolean;
  close(): Promise<void>;
}

export interface LimitState {
  /** consume: whether this attempt was within the limit; peek: whether another attempt would be. */
  allowed: boolean;
  remaining: number;
  /** Seconds until the key is allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

/** A fixed-window counter with an optional block (rate-limiter-flexible over Redis or memory). */
export interface AttemptLimiter {
  /** Counts `points` for key and answers the state after counting. */
  consume(key: string, points?: number): Promise<LimitState>;
  /** The state without counting. */
  peek(key: string): Promise<LimitState>;
  reset(key: string): Promise<void>;
}
