import { Violations } from "../../domain/errors.js";
import { isSafeText, normalizeContacts, normalizeUsername } from "../../domain/identifiers.js";
import type { Session } from "../../domain/session.js";
import { DEFAULT_PLAN, DEFAULT_ROLES, type User } from "../../domain/user.js";
import type { RequestContext } from "../ports/time.js";
import { checkDeviceName, type IssuedTokens, openSession, tokensForNewSession } from "../sessions/open-session.js";
import { auditTrail } from "../shared/audited-write.js";
import type { CoreDeps } from "../shared/deps.js";
import { countIpAttempt } from "../shared/limits.js";
import { sendVerificationCodes } from "../shared/one-time-codes.js";

export interface RegisterInput {
  username: string;
  email: string;
  phone: string;
  password: string;
  fullName: string;
  deviceName: string;
}

export interface RegisterOutput {
  user: User;
  session: Session | null;
  tokens: IssuedTokens | null;
}

const MAX_FULL_NAME = 200;

export class Register {
  constructor(
    private readonly deps: Pick<
      CoreDeps,
      "uow" | "clock" | "ids" | "random" | "hasher" | "passwordPolicy" | "tokens" | "ipAttempts" | "notices" | "settings" | "notifier" | "codeHasher" | "report"
    >,
  ) {}

  async execute(input: RegisterInput, ctx: RequestContext): Promise<RegisterOutput> {
    const violations = new Violations();
    if (input.username === "") violations.add("username", "is required");
    if (input.email === "" && input.phone === "") {
      violations.add("email", "an email or a phone is required");
    }
    if (input.password === "") violations.add("password", "is required");
    if (input.fullName.length > MAX_FULL_NAME) violations.add("full_name", `must be at most ${MAX_FULL_NAME} characters`);
    else if (!isSafeText(input.fullName)) violations.add("full_name", "must not contain control characters");
    checkDeviceName(input.deviceName, violations);
    const contacts = normalizeContacts(input, violations);
    violations.throwIfAny();

    const password = this.deps.passwordPolicy.check(input.password, "password", {
      username: contacts.username,
      email: contacts.email,
    });
    await countIpAttempt(this.deps.ipAttempts, ctx);

    // Hash before the transaction: argon2 takes ~20 ms and must not hold a connection. But
    // not while the database is known to be down: that hash would be wasted (security.md 35).
    this.deps.uow.ensureAvailable();
    const passwordHash = await this.deps.hasher.hash(password);
    const username = contacts.username as string;
    const openFirstSession = !this.deps.settings.requireVerifiedContact;

    const { user, opened } = await this.deps.uow.transaction(async (tx) => {
      // No read-before-insert: the unique indexes decide a race (only one of N parallel wins).
      const user = await tx.users.create({
        id: this.deps.ids.newId(),
        username,
        usernameNormalized: normalizeUsername(username),
        email: contacts.email ?? null,
        phone: contacts.phone ?? null,
        fullName: input.fullName.trim(),
        passwordHash,
        roles: DEFAULT_ROLES,
        plan: DEFAULT_PLAN,
        createdAt: this.deps.clock.now(),
      });
      await auditTrail(this.deps, ctx, { userId: user.id }).record(tx, "user.registered");
      if (!openFirstSession) return { user, opened: null };
      const opened = await openSession(this.deps, tx, user, ctx, {
        authMethod: "password",
        deviceName: input.deviceName,
      });
      return { user, opened };
    });

    sendVerificationCodes(this.deps, user, ["email", "sms"]);
    if (opened === null) return { user, session: null, tokens: null };
    return { user, session: opened.session, tokens: await tokensForNewSession(this.deps, user, opened) };
  }
}
