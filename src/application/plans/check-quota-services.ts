import type { CatalogueRepository } from "../ports/plans.js";
import type { Clock } from "../ports/time.js";
import type { ServiceLookup } from "./check-quota.js";

/**
 * The catalogue's codes, held in memory: CheckQuota asks on every call and the catalogue
 * changes only through migrations or an operator. Reloaded every `ttlMs`, and at most once
 * per `missReloadMs` for an unknown code (so a service added by an operator shows up soon,
 * while a stream of bogus codes costs no more than one read per interval).
 */
export class CatalogueCodes implements ServiceLookup {
  private codes: ReadonlySet<string> | null = null;
  private loadedAt = 0;
  private loading: Promise<ReadonlySet<string>> | null = null;

  constructor(
    private readonly catalogue: Pick<CatalogueRepository, "list">,
    private readonly clock: Clock,
    private readonly options: { ttlMs: number; missReloadMs: number } = { ttlMs: 60_000, missReloadMs: 5_000 },
  ) {}

  async exists(serviceCode: string): Promise<boolean> {
    const now = this.clock.now().getTime();
    const age = now - this.loadedAt;
    let codes = this.codes;
    if (!codes || age >= this.options.ttlMs) codes = await this.load();
    if (codes.has(serviceCode)) return true;
    if (age < this.options.missReloadMs) return false;
    return (await this.load()).has(serviceCode);
  }

  private load(): Promise<ReadonlySet<string>> {
    this.loading ??= this.catalogue
      .list()
      .then((services) => {
        this.codes = new Set(services.map((s) => s.code));
        this.loadedAt = this.clock.now().getTime();
        return this.codes;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }
}
