import type { CoreDeps } from "../shared/deps.js";
import { ChangePassword } from "./change-password.js";
import { DeleteMe } from "./delete-me.js";
import { GetMe } from "./get-me.js";
import { ListAuditEvents } from "./list-audit-events.js";
import { UpdateMe } from "./update-me.js";

/** The caller's own account. */
export function createAccountUseCases(deps: CoreDeps) {
  return {
    getMe: new GetMe(deps),
    updateMe: new UpdateMe(deps),
    changePassword: new ChangePassword(deps),
    deleteMe: new DeleteMe(deps),
    listAuditEvents: new ListAuditEvents(deps),
  };
}
