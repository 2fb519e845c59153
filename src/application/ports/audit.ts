/** The security audit trail. Ports owned by the application; adapters implement them. */
import type { AuditEventType } from "../../domain/audit.js";

export interface AuditRecord {
  id: string;
  userId: string | null;
  type: AuditEventType;
  outcome: "success" | "failure";
  ipAddress: string;
  userAgent: string;
  requestId: string;
  sessionId: string | null;
  metadata: Record<string, string | number | boolean>;
  createdAt: Date;
}

export interface AuditLog {
  record(event: AuditRecord): Promise<void>;
  /** Newest first; `before` is an exclusive cursor on (createdAt, id). */
  listForUser(userId: string, options: { limit: number; before?: { createdAt: Date; id: string } }): Promise<AuditRecord[]>;
}
