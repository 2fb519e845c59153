import type { RevocationBus } from "../ports/coordination.js";
import { API_KEY_MARKER, API_KEY_OWNER_MARKER, type ApiKeyStatusCache } from "./api-key-status.js";

/**
 * Tells every instance that keys stopped validating, after the write that stopped them has
 * committed: this instance's cache first and synchronously, then the others over the
 * revocation bus. A failed publish is reported, not thrown: the write is committed, and other
 * instances re-read the database within the cache TTL (1 s) anyway.
 *
 * - `announceKeys(ids)`: keys revoked (RevokeApiKey, revoke-service-key).
 * - `announceOwner(id)`: every key of a user or service that may no longer act (DisableUser,
 *   DeleteMe, a deactivated service). Call it after the owner's row was written.
 */
export class ApiKeyRevocations {
  constructor(
    private readonly status: ApiKeyStatusCache,
    private readonly bus: RevocationBus,
    private readonly reportError: (error: unknown) => void,
  ) {}

  async announceKeys(keyIds: readonly string[]): Promise<void> {
    if (keyIds.length === 0) return;
    this.status.evictKeys(keyIds);
    await this.publish(keyIds.map((id) => API_KEY_MARKER + id));
  }

  async announceOwner(ownerId: string): Promise<void> {
    this.status.evictOwners([ownerId]);
    await this.publish([API_KEY_OWNER_MARKER + ownerId]);
  }

  private async publish(markers: string[]): Promise<void> {
    try {
      await this.bus.publish(markers);
    } catch (error) {
      this.reportError(error);
    }
  }
}
