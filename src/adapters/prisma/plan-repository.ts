// PlanRepository and CatalogueRepository over Prisma: read-only (the migrations seed the rows,
// operators edit them in SQL). Plans are few, so the order (planOrder) is applied in JavaScript.
import { byCode, type CatalogueRepository, type CatalogueService, type Plan, type PlanRepository, planOrder } from "../../application/ports/plans.js";
import type { Prisma } from "../../gen/prisma/client.js";
import { withPrismaErrors } from "./errors.js";

function toPlan(row: { code: string; name: string; dailyLimit: number; unlimited: boolean }): Plan {
  return { code: row.code, name: row.name, dailyLimit: row.unlimited ? 0 : row.dailyLimit, unlimited: row.unlimited };
}

function toService(row: { code: string; name: string; description: string }): CatalogueService {
  return { code: row.code, name: row.name, description: row.description };
}

export class PrismaPlanRepository implements PlanRepository {
  constructor(private readonly db: Prisma.TransactionClient) {}

  async list(): Promise<Plan[]> {
    const rows = await withPrismaErrors(() => this.db.plan.findMany());
    return rows.map(toPlan).sort(planOrder);
  }

  async findByCode(code: string): Promise<Plan | null> {
    const row = await withPrismaErrors(() => this.db.plan.findUnique({ where: { code } }));
    return row === null ? null : toPlan(row);
  }
}

export class PrismaCatalogueRepository implements CatalogueRepository {
  constructor(private readonly db: Prisma.TransactionClient) {}

  async list(): Promise<CatalogueService[]> {
    // Sorted here, bytewise: the database's collation may order "_" differently.
    const rows = await withPrismaErrors(() => this.db.catalogueService.findMany());
    return rows.map(toService).sort(byCode);
  }

  async findByCode(code: string): Promise<CatalogueService | null> {
    const row = await withPrismaErrors(() => this.db.catalogueService.findUnique({ where: { code } }));
    return row === null ? null : toService(row);
  }
}
