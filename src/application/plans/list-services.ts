import type { CatalogueService } from "../ports/plans.js";
import type { CoreDeps } from "../shared/deps.js";

/** The catalogue of consuming services (public), by code. */
export class ListServices {
  constructor(private readonly deps: Pick<CoreDeps, "uow">) {}

  execute(): Promise<CatalogueService[]> {
    return this.deps.uow.catalogue.list();
  }
}
