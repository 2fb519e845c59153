/**
 * Latency buckets of every duration histogram (gRPC calls in grpc/interceptors/metrics.ts,
 * REST requests in the gateway), so the two can be compared bucket for bucket. argon2id costs
 * ~20 ms a hash on our machines: the interesting range is 5 ms to 2.5 s.
 */
export const LATENCY_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
