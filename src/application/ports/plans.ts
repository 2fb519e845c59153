/** Plans and the catalogue of consuming services. Ports owned by the application; adapters implement them. */

/** A plan: how many calls a day a subscriber may make to each catalogue service. */
export interface Plan {
  /** anonym, free, pro or enterprise (seeded by the migrations; operators may add more). */
  code: string;
  name: string;
  /** Calls a day per service; 0 with unlimited. */
  dailyLimit: number;
  unlimited: boolean;
}

/** A consuming microservice whose daily use CheckQuota counts. */
export interface CatalogueService {
  /** e.g. "cvmaker". */
  code: string;
  name: string;
  description: string;
}

export interface PlanRepository {
  /** Every plan, smallest daily limit first, unlimited ones last (then by code). */
  list(): Promise<Plan[]>;
  findByCode(code: string): Promise<Plan | null>;
}

export interface CatalogueRepository {
  /** Every service, by code. */
  list(): Promise<CatalogueService[]>;
  findByCode(code: string): Promise<CatalogueService | null>;
}

/** The order PlanRepository.list returns, on every adapter. */
export function planOrder(a: Plan, b: Plan): number {
  if (a.unlimited !== b.unlimited) return a.unlimited ? 1 : -1;
  if (a.dailyLimit !== b.dailyLimit) return a.dailyLimit - b.dailyLimit;
  return byCode(a, b);
}

/** Bytewise by code: the order CatalogueRepository.list returns, on every adapter. */
export function byCode(a: { code: string }, b: { code: string }): number {
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}
