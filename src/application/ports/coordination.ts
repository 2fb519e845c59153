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

/**
 * Short-lived, single-use server-side records (an OAuth flow's state, PKCE verifier and nonce; a
 * WebAuthn challenge): Redis when configured, so any instance can finish a flow another started;
 * in-process by default.
 */
export interface FlowStore {
  /** Keeps `value` under `key` for `ttlSeconds` (replacing any value there). */
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
  /**
   * Returns the value and deletes it in one step, so of two concurrent takes only one gets it;
   * null when the key is unknown, expired or already taken. Redis down: DependencyUnavailableError.
   */
  take(key: string): Promise<string | null>;
}
