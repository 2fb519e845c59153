import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, registerUser, uniqueName } from "../support/fixtures.js";
import { call, failure } from "../support/grpc.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  // 127.0.0.1 is a trusted proxy here so tests can speak for many client IPs.
  server = await startTestServer({ env: { SERVER__TRUSTED_PROXIES: "127.0.0.1" } });
});
afterAll(async () => {
  await server?.close();
});

const login = (identifier: string, password: string, ip?: string) =>
  call(
    server.clients.auth,
    server.clients.auth.login,
    { identifier, password, otpCode: "", deviceName: "" },
    ip ? { metadata: { "x-forwarded-for": ip } } : {},
  );

describe("passwords (security.md 1-8)", () => {
  it("refuses short, overlong and common passwords with a field violation", async () => {
    const short = await failure(registerUser(server.clients, { password: "1234567" }));
    expect(short.code).toBe(status.INVALID_ARGUMENT);
    expect(short.reason).toBe("PASSWORD_TOO_WEAK");
    expect(short.fieldViolations).toEqual([{ field: "password", description: expect.stringContaining("at least 8") }]);
    expect((await failure(registerUser(server.clients, { password: "a".repeat(129) }))).reason).toBe("PASSWORD_TOO_WEAK");
    const common = await failure(registerUser(server.clients, { password: "password1234" }));
    expect(common.fieldViolations[0]?.description).toMatch(/common/);
  });

  it("accepts 64 and 128 characters with spaces and emoji, and a lowercase passphrase", async () => {
    await registerUser(server.clients, { password: "🦄 ".repeat(32) });
    const p128 = `${"ü ".repeat(63)}🔑x`;
    const reg = await registerUser(server.clients, { password: p128 });
    await login(reg.username, p128);
    await registerUser(server.clients, { password: "lowercase only passphrase" });
  });

  it("never truncates: prefixes of a 100-character password fail", async () => {
    const pw = "long passphrase ".repeat(7).slice(0, 100);
    const reg = await registerUser(server.clients, { password: pw });
    for (const prefix of [pw.slice(0, 72), pw.slice(0, 99)]) {
      expect((await failure(login(reg.username, prefix))).reason).toBe("INVALID_CREDENTIALS");
    }
    await login(reg.username, pw);
  });

  it("logs in with the NFC and the NFD form of one password", async () => {
    const nfc = "Pässwörd Ünïcode".normalize("NFC");
    const reg = await registerUser(server.clients, { password: nfc });
    await login(reg.username, nfc.normalize("NFD"));
    await login(reg.username, nfc);
  });

  it("refuses a password equal to the username", async () => {
    const username = uniqueName("samename");
    expect((await failure(registerUser(server.clients, { username, password: username.toUpperCase() }))).reason).toBe("PASSWORD_TOO_WEAK");
  });
});

describe("login enumeration and throttling (security.md 9-14)", () => {
  it("answers unknown user and wrong password identically; a lock answers the same for any password and any identifier", async () => {
    const reg = await registerUser(server.clients);
    const unknown = await failure(login(`nobody_${reg.username}`, PASSWORD));
    const wrong = await failure(login(reg.username, "wrong password entirely"));
    for (const e of [unknown, wrong]) {
      expect({ code: e.code, message: e.message, reason: e.reason }).toEqual({
        code: status.UNAUTHENTICATED,
        message: wrong.message,
        reason: "INVALID_CREDENTIALS",
      });
    }
    // Locked: the right password, a wrong one, and an identifier that matches no account (after
    // the same failures) all get one answer, details included (api.md Login).
    const locked = await registerUser(server.clients);
    const ghost = `ghost_${locked.username}`;
    for (let i = 0; i < 10; i++) {
      await failure(login(locked.username, "wrong password entirely"));
      await failure(login(ghost, "wrong password entirely"));
    }
    const answers = [
      await failure(login(locked.username, "wrong password entirely")),
      await failure(login(locked.username, PASSWORD)),
      await failure(login(ghost, PASSWORD)),
    ];
    const shape = (e: Awaited<ReturnType<typeof failure>>) => ({
      code: e.code,
      reason: e.reason,
      message: e.message,
      retry: e.retryDelaySeconds,
      details: e.detailBytes,
    });
    expect(shape(answers[0]!)).toMatchObject({ code: status.PERMISSION_DENIED, reason: "ACCOUNT_LOCKED" });
    expect(answers[0]!.retryDelaySeconds).toBeGreaterThan(0);
    for (const e of answers) expect(shape(e)).toEqual(shape(answers[0]!));
  });

  it("spends argon2 time on unknown users too (latency distributions match)", async () => {
    const reg = await registerUser(server.clients);
    const time = async (identifier: string) => {
      const t = performance.now();
      await failure(login(identifier, "wrong password entirely"));
      return performance.now() - t;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    // Interleaved, and each on a fresh account so the lock never kicks in.
    for (let i = 0; i < 8; i++) {
      known.push(await time(reg.username));
      unknown.push(await time(`ghost_${i}_${reg.username}`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.6);
  });

  it("locks an account after 10 failures from many IPs; username case variants share the counter", async () => {
    const reg = await registerUser(server.clients);
    for (let i = 0; i < 10; i++) {
      const variant = i % 2 === 0 ? reg.username.toUpperCase() : reg.username;
      await failure(login(variant, `wrong password ${i}`, `198.51.100.${i + 1}`));
    }
    const e = await failure(login(reg.username, PASSWORD, "203.0.113.9"));
    expect(e.reason).toBe("ACCOUNT_LOCKED");
    // Attempts made while locked are not counted (they never extend the lock).
    await failure(login(reg.username, "still wrong password"));
  });

  it("concurrent guesses cannot slip through the last remaining try", async () => {
    const reg = await registerUser(server.clients);
    for (let i = 0; i < 9; i++) await failure(login(reg.username, `wrong password ${i}`));
    // One try left. Twenty guesses at once, the right one last: only one may be evaluated.
    const guesses = Array.from({ length: 20 }, (_, i) => (i === 19 ? PASSWORD : `concurrent guess ${i}`));
    const results = await Promise.allSettled(guesses.map((g) => login(reg.username, g)));
    expect(results[19]!.status).toBe("rejected");
    expect((await failure(Promise.reject((results[19] as PromiseRejectedResult).reason))).reason).toBe("ACCOUNT_LOCKED");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(0);
  });

  it("a success resets the failure count", async () => {
    const reg = await registerUser(server.clients);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 9; i++) await failure(login(reg.username, `wrong password ${i}`));
      await login(reg.username, PASSWORD);
    }
  });

  it("a spoofed X-Forwarded-For does not escape the per-IP limit unless the hop is trusted", async () => {
    const strict = await startTestServer({ env: { AUTH__IP_ATTEMPTS_PER_MINUTE: "5" } });
    try {
      const attempt = (ip: string) =>
        call(
          strict.clients.auth,
          strict.clients.auth.login,
          { identifier: "nobody", password: "whatever pass", otpCode: "", deviceName: "" },
          { metadata: { "x-forwarded-for": ip } },
        );
      for (let i = 0; i < 5; i++) expect((await failure(attempt(`192.0.2.${i}`))).reason).toBe("INVALID_CREDENTIALS");
      const limited = await failure(attempt("192.0.2.99"));
      expect(limited.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(limited.reason).toBe("RATE_LIMITED");
      expect(limited.retryDelaySeconds).toBeGreaterThan(0);
    } finally {
      await strict.close();
    }
    // On the main server 127.0.0.1 is trusted: the forwarded address is the client, so the
    // many IPs above each had their own bucket (and nothing here was rate limited).
  });

  it("registering an existing email says ALREADY_EXISTS on that field and nothing more", async () => {
    const reg = await registerUser(server.clients);
    const e = await failure(registerUser(server.clients, { email: reg.email.toUpperCase() }));
    expect(e.code).toBe(status.ALREADY_EXISTS);
    expect(e.reason).toBe("USER_ALREADY_EXISTS");
    expect(e.message).not.toContain(reg.username);
    expect(e.message).not.toContain(reg.user!.id);
  });

  it("20 parallel registrations with one normalised email: one row, the rest ALREADY_EXISTS (37)", async () => {
    const email = `race_${uniqueName()}@example.com`;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => registerUser(server.clients, { email: i % 2 ? email.toUpperCase() : ` ${email} ` })),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    expect(ok).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") {
        const e = await failure(Promise.reject(r.reason));
        expect(e.reason).toBe("USER_ALREADY_EXISTS");
        expect(e.fieldViolations).toEqual([]); // ALREADY_EXISTS carries no BadRequest
      }
    }
  });
});

describe("bad input never crashes (INVALID_ARGUMENT with field violations)", () => {
  const cases: [string, Record<string, string>, string][] = [
    ["empty username", { username: "" }, "username"],
    ["username with spaces", { username: "two words" }, "username"],
    ["username too long", { username: "u".repeat(33) }, "username"],
    ["log-injection username", { username: 'x\n{"level":50}' }, "username"],
    ["NUL in email", { email: "a\u0000b@example.com" }, "email"],
    ["bad email", { email: "not-an-email" }, "email"],
    ["bad phone", { phone: "12345", email: "" }, "phone"],
    ["no contact", { email: "", phone: "" }, "email"],
    ["NUL in full name", { fullName: "Ada\u0000" }, "full_name"],
    ["huge full name", { fullName: "n".repeat(5000) }, "full_name"],
  ];
  for (const [name, overrides, field] of cases) {
    it(`Register: ${name}`, async () => {
      const e = await failure(registerUser(server.clients, { username: uniqueName(), ...overrides }));
      expect(e.code).toBe(status.INVALID_ARGUMENT);
      expect(e.reason).toBe("VALIDATION_FAILED");
      expect(e.fieldViolations.map((v) => v.field)).toContain(field);
      expect(e.detailTypes.filter((t) => t.endsWith("BadRequest"))).toHaveLength(1);
    });
  }

  it("Login, ValidateToken, RevokeSession and UpdateMe with bad fields", async () => {
    const { auth, sessions, users } = server.clients;
    const reg = await registerUser(server.clients);
    const bearer = reg.tokens!.accessToken;
    const checks: [() => Promise<unknown>, string][] = [
      [() => login("", ""), "identifier"],
      [() => login("a\u0000b", PASSWORD), "identifier"],
      [() => call(auth, auth.validateToken, { accessToken: "" }), "access_token"],
      [() => call(sessions, sessions.revokeSession, { sessionId: "../etc/passwd" }, { bearer }), "session_id"],
      [() => call(users, users.updateMe, { fullName: "", username: "", email: "bad", phone: "", updateMask: ["email"] }, { bearer }), "email"],
      [() => call(users, users.updateMe, { fullName: "", username: "", email: "", phone: "", updateMask: [] }, { bearer }), "update_mask"],
    ];
    for (const [attempt, field] of checks) {
      const e = await failure(attempt());
      expect(e.code, field).toBe(status.INVALID_ARGUMENT);
      expect(e.fieldViolations.map((v) => v.field)).toContain(field);
    }
  });

  it("a message over the configured maximum gets RESOURCE_EXHAUSTED", async () => {
    const e = await failure(registerUser(server.clients, { fullName: "x".repeat(100_000) }));
    expect(e.code).toBe(status.RESOURCE_EXHAUSTED);
  });

  it("hostile tokens are refused without an error leak", async () => {
    const { auth } = server.clients;
    const reg = await registerUser(server.clients);
    const [h, p] = reg.tokens!.accessToken.split(".");
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "at+jwt" })).toString("base64url")}.${p}.`;
    const payload = JSON.parse(Buffer.from(p!, "base64url").toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, roles: ["admin"] })).toString("base64url")}.${reg.tokens!.accessToken.split(".")[2]}`;
    for (const token of [none, forged, reg.tokens!.refreshToken, "a.b.c", "x".repeat(5000)]) {
      const e = await failure(call(auth, auth.validateToken, { accessToken: token }));
      expect(e.code).toBe(status.UNAUTHENTICATED);
      expect(e.reason).toBe("TOKEN_INVALID");
      expect(e.message).toBe("The access token is invalid");
    }
  });
});

describe("logs (security.md 25-28)", () => {
  it("carry no password, token or authorization header from any flow", async () => {
    const { auth, sessions, users } = server.clients;
    const sentinel = "SENTINEL-pass-8d1f 42";
    const reg = await registerUser(server.clients, { password: sentinel });
    const l = await login(reg.email, sentinel);
    const r = await call(auth, auth.refreshToken, { refreshToken: l.tokens!.refreshToken });
    await call(sessions, sessions.listSessions, { pageSize: 0, pageToken: "" }, { bearer: r.tokens!.accessToken });
    await call(users, users.changePassword, { currentPassword: sentinel, newPassword: `${sentinel}-2` }, { bearer: r.tokens!.accessToken });
    await failure(login(reg.email, `${sentinel}-wrong`));
    await call(auth, auth.logout, { refreshToken: r.tokens!.refreshToken }, { bearer: r.tokens!.accessToken });
    const text = server.logs.join("\n");
    expect(text.length).toBeGreaterThan(0);
    for (const secret of [
      sentinel,
      reg.tokens!.accessToken,
      reg.tokens!.refreshToken,
      l.tokens!.accessToken,
      l.tokens!.refreshToken,
      r.tokens!.refreshToken,
      "Bearer ",
    ]) {
      expect(text).not.toContain(secret);
    }
    // Every line is one JSON object.
    for (const line of server.logs) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("log a login success and failure with request id, user id and UTC time", async () => {
    const reg = await registerUser(server.clients);
    await login(reg.username, PASSWORD);
    await failure(login(reg.username, "wrong password entirely"));
    const entries = server.logs.map((l) => JSON.parse(l)).filter((e) => e.method === "/auth.v1.AuthService/Login");
    const ok = entries.find((e) => e.code === "OK");
    const bad = entries.find((e) => e.reason === "INVALID_CREDENTIALS");
    expect(ok).toMatchObject({ requestId: expect.any(String), level: "info" });
    expect(ok.time).toMatch(/Z$/);
    expect(bad).toMatchObject({ code: "UNAUTHENTICATED", requestId: expect.any(String) });
  });

  it("keep injected newlines inside one escaped JSON string", async () => {
    const before = server.logs.length;
    await failure(login('evil\n{"level":50,"msg":"forged"}', PASSWORD));
    await failure(registerUser(server.clients, { fullName: 'Eve\r\n{"level":50,"msg":"forged"}' }));
    expect(server.logs.length).toBeGreaterThan(before);
    for (const line of server.logs.slice(before)) {
      const entry = JSON.parse(line);
      expect(entry.level).not.toBe(50);
      expect(entry.msg).not.toBe("forged");
    }
  });

  it("an internal error answers a generic message and the request id: no stack, no SQL", async () => {
    const reg = await registerUser(server.clients);
    const original = server.app.useCases.getMe.execute;
    server.app.useCases.getMe.execute = async () => {
      throw new Error('relation "users" does not exist: SELECT password_hash FROM users WHERE id = $1');
    };
    try {
      const e = await failure(
        call(server.clients.users, server.clients.users.getMe, {}, { bearer: reg.tokens!.accessToken, metadata: { "x-request-id": "req-123" } }),
      );
      expect(e.code).toBe(status.INTERNAL);
      expect(e.reason).toBe("INTERNAL_ERROR");
      expect(e.message).toBe("Internal error (request id req-123)");
      expect(e.requestId).toBe("req-123");
      expect(JSON.stringify(e)).not.toMatch(/SELECT|password_hash|at .*\.ts/);
    } finally {
      server.app.useCases.getMe.execute = original;
    }
  });
});
