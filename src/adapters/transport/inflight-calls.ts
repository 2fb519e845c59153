/**
 * Counts unary calls in progress so shutdown can wait for exactly those. grpc-js's
 * tryShutdown would also wait for long-lived streams (a health Watch never ends by itself).
 */
export class InflightCalls {
  private count = 0;
  private waiters: (() => void)[] = [];

  enter(): void {
    this.count++;
  }

  leave(): void {
    this.count--;
    if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves once no unary call is running (at once if none is). */
  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
