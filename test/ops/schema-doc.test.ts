/**
 * docs/schema.md must describe the database as it is: every table and column of
 * prisma/schema.prisma, every primary key, unique index, index and foreign key Prisma makes of it
 * (under the names Prisma gives them), and every CHECK constraint (and hand-written index) of the
 * SQL migrations, each with why it exists; and nothing that no longer exists. A failure lists
 * what to add or remove, with the exact lines to paste (their TODOs to be replaced by the why).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const MIGRATIONS = "prisma/migrations";

type Kind = "primary key" | "unique" | "index" | "foreign key" | "check";
interface Constraint {
  name: string;
  table: string;
  kind: Kind;
  /** Column names (or SQL expressions of a hand-written index); none for a check. */
  columns: string[];
  /** Foreign keys: `table(columns)` referenced. */
  references?: string;
}
interface Column {
  name: string;
  /** SQL type as the doc writes it: `uuid`, `text`, `text[]`, `timestamptz(3)`, ... */
  type: string;
  nullable: boolean;
}
interface Model {
  table: string;
  columns: Column[];
  constraints: Constraint[];
}

// --- prisma/schema.prisma ------------------------------------------------------------------

const SCALARS: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Boolean: "boolean",
  DateTime: "timestamp(3)",
  Json: "jsonb",
  Bytes: "bytea",
  Float: "double precision",
  Decimal: "decimal(65,30)",
};

/** The argument text of `@name(...)` in `text`, parentheses balanced; null when absent. */
function attributeArgs(text: string, name: string): string | null {
  const at = new RegExp(`${name.replace(/[@.]/g, "\\$&")}(?![\\w.])`).exec(text);
  if (!at) return null;
  let i = at.index + at[0].length;
  if (text[i] !== "(") return "";
  let depth = 0;
  const start = i + 1;
  for (; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return text.slice(start, i);
  }
  throw new Error(`unbalanced parentheses in ${text}`);
}
/** The field names of `[a, b(sort: Desc)]` (the first list, or the one after `key:`). */
const listArg = (args: string, key?: string): string[] => {
  const m = (key ? new RegExp(`${key}:\\s*\\[([^\\]]*)\\]`) : /^\s*(?:fields:\s*)?\[([^\]]*)\]/).exec(args);
  return m ? topLevel(m[1]!).map((s) => s.replace(/\(.*$/, "").trim()) : [];
};
const mapArg = (args: string | null) => (args ? (/map:\s*"([^"]+)"/.exec(args)?.[1] ?? null) : null);

/** Prisma's default constraint name, shortened as Prisma does past PostgreSQL's 63 bytes. */
function prismaName(table: string, columns: string[], suffix: string): string {
  const base = [table, ...columns].join("_");
  return `${base.slice(0, 63 - suffix.length - 1)}_${suffix}`;
}

function parsePrismaSchema(text: string): Model[] {
  const blocks = [...text.matchAll(/^(model|enum|type|view)\s+(\w+)\s*\{([\s\S]*?)^\}/gm)];
  const models = new Map(blocks.filter((b) => b[1] === "model").map((b) => [b[2]!, b[3]!]));
  const enums = new Set(blocks.filter((b) => b[1] === "enum").map((b) => b[2]!));
  const lines = (body: string) =>
    body
      .split("\n")
      .map((l) => l.replace(/\/\/.*$/, "").trim())
      .filter(Boolean);
  const tableOf = (model: string) => /@@map\("([^"]+)"\)/.exec(models.get(model) ?? "")?.[1] ?? model;
  const columnMaps = new Map<string, Map<string, string>>();
  for (const [model, body] of models) {
    const map = new Map<string, string>();
    for (const line of lines(body)) {
      const m = /^(\w+)\s+\w/.exec(line);
      if (m && !line.startsWith("@@")) map.set(m[1]!, /@map\("([^"]+)"\)/.exec(line)?.[1] ?? m[1]!);
    }
    columnMaps.set(model, map);
  }
  const col = (model: string, field: string) => columnMaps.get(model)?.get(field) ?? field;

  return [...models].map(([model, body]) => {
    const table = tableOf(model);
    const columns: Column[] = [];
    const constraints: Constraint[] = [];
    const add = (kind: Kind, fields: string[], suffix: string, map: string | null, extra: Partial<Constraint> = {}) => {
      const cols = fields.map((f) => col(model, f));
      // Prisma names a primary key `<table>_pkey` whatever its columns.
      const name = map ?? (suffix === "pkey" ? `${table}_pkey` : prismaName(table, cols, suffix));
      constraints.push({ name, table, kind, columns: cols, ...extra });
    };
    for (const line of lines(body)) {
      if (line.startsWith("@@")) {
        const id = attributeArgs(line, "@@id");
        const unique = attributeArgs(line, "@@unique");
        const index = attributeArgs(line, "@@index");
        if (id !== null) add("primary key", listArg(id), "pkey", mapArg(id));
        if (unique !== null) add("unique", listArg(unique), "key", mapArg(unique));
        if (index !== null) add("index", listArg(index), "idx", mapArg(index));
        continue;
      }
      const m = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
      if (!m) continue;
      const [, field, type, list, optional, attrs] = m as unknown as [string, string, string, string | undefined, string | undefined, string];
      if (models.has(type)) {
        const rel = attributeArgs(attrs, "@relation");
        const fields = rel ? listArg(rel, "fields") : [];
        if (rel && fields.length > 0) {
          const refs = listArg(rel, "references").map((f) => col(type, f));
          add("foreign key", fields, "fkey", mapArg(rel), { references: `${tableOf(type)}(${refs.join(", ")})` });
        }
        continue;
      }
      const native = /@db\.(\w+)(?:\(([^)]*)\))?/.exec(attrs);
      let sql = enums.has(type) ? type : (SCALARS[type] ?? type.toLowerCase());
      if (native) sql = native[2] ? `${native[1]!.toLowerCase()}(${native[2]})` : native[1]!.toLowerCase();
      columns.push({ name: col(model, field), type: `${sql}${list ? "[]" : ""}`, nullable: optional === "?" });
      const id = attributeArgs(attrs, "@id");
      const unique = attributeArgs(attrs, "@unique");
      if (id !== null) add("primary key", [field], "pkey", mapArg(id));
      if (unique !== null) add("unique", [field], "key", mapArg(unique));
    }
    return { table, columns, constraints };
  });
}

// --- prisma/migrations/*/migration.sql -------------------------------------------------------

/** Statements of a SQL script, comments removed, split on `;` outside quotes. */
function statements(sql: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      const end = sql.indexOf(ch, i + 1);
      cur += sql.slice(i, end + 1);
      i = end;
    } else if (ch === "-" && sql[i + 1] === "-") {
      const eol = sql.indexOf("\n", i);
      i = eol === -1 ? sql.length : eol;
      cur += " ";
    } else if (ch === ";") {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out.map((s) => s.replace(/\s+/g, " ")).filter(Boolean);
}

/** Splits on commas outside parentheses. */
function topLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur.trim());
  return parts;
}
const unquote = (s: string) => s.trim().replace(/^"(.*)"$/, "$1");
const columnList = (s: string) => topLevel(s).map((c) => (/^"([^"]+)"(\s+(ASC|DESC))?$/i.test(c) ? unquote(c.replace(/\s+(ASC|DESC)$/i, "")) : c));

/** Runs the first rule whose pattern matches `text`. */
function dispatch(text: string, rules: [RegExp, (m: string[]) => void][]): void {
  for (const [pattern, apply] of rules) {
    const m = pattern.exec(text);
    if (!m) continue;
    apply([...m].map((g) => g ?? ""));
    return;
  }
}

/** The indexes and constraints the migrations leave, replayed in order. */
function parseMigrations(sqlFiles: string[]): Map<string, Constraint> {
  const state = new Map<string, Constraint>();
  const constraint = (table: string, name: string, def: string) => {
    const m = /^(PRIMARY KEY|UNIQUE|FOREIGN KEY|CHECK)\s*\((.*)$/i.exec(def);
    if (!m) return;
    const kind = m[1]!.toLowerCase() as Kind;
    const cols = kind === "check" ? [] : columnList(m[2]!.slice(0, m[2]!.indexOf(")")));
    const ref = /REFERENCES "([^"]+)"\s*\(([^)]*)\)/i.exec(def);
    state.set(name, { name, table, kind, columns: cols, ...(ref ? { references: `${ref[1]}(${columnList(ref[2]!).join(", ")})` } : {}) });
  };
  const rename = (from: string, to: string) => {
    const old = state.get(from);
    state.delete(from);
    if (old) state.set(to, { ...old, name: to });
  };
  const createIndex = (unique: string, name: string, table: string, rest: string) => {
    // The column list ends at the parenthesis that closes the one opened after the table.
    let depth = 1;
    let end = 0;
    for (; end < rest.length && depth > 0; end++) {
      if (rest[end] === "(") depth++;
      else if (rest[end] === ")") depth--;
    }
    state.set(name, { name, table, kind: unique ? "unique" : "index", columns: columnList(rest.slice(0, end - 1)) });
  };
  const alterTable = (table: string, actions: string) => {
    for (const action of topLevel(actions)) {
      dispatch(action, [
        [/^ADD CONSTRAINT "([^"]+)" (.*)$/i, ([, name, def]) => constraint(table, name!, def!)],
        [/^DROP CONSTRAINT (?:IF EXISTS )?"([^"]+)"/i, ([, name]) => state.delete(name!)],
        [/^RENAME CONSTRAINT "([^"]+)" TO "([^"]+)"$/i, ([, from, to]) => rename(from!, to!)],
      ]);
    }
  };
  const TABLE = '(?:IF (?:NOT )?EXISTS )?(?:ONLY )?"([^"]+)"';
  for (const sql of sqlFiles) {
    for (const s of statements(sql)) {
      dispatch(s, [
        [
          new RegExp(`^CREATE TABLE ${TABLE} \\((.*)\\)$`, "i"),
          ([, table, body]) => {
            for (const part of topLevel(body!)) {
              const c = /^CONSTRAINT "([^"]+)" (.*)$/i.exec(part);
              if (c) constraint(table!, c[1]!, c[2]!);
            }
          },
        ],
        [
          new RegExp(`^CREATE (UNIQUE )?INDEX (?:CONCURRENTLY )?${TABLE} ON ${TABLE}(?: USING \\w+)? ?\\((.*)$`, "i"),
          ([, unique, name, table, rest]) => createIndex(unique!, name!, table!, rest!),
        ],
        [/^DROP INDEX (?:CONCURRENTLY )?(?:IF EXISTS )?"([^"]+)"$/i, ([, name]) => state.delete(name!)],
        [/^ALTER INDEX (?:IF EXISTS )?"([^"]+)" RENAME TO "([^"]+)"$/i, ([, from, to]) => rename(from!, to!)],
        [
          new RegExp(`^DROP TABLE ${TABLE}`, "i"),
          ([, table]) => {
            for (const [name, c] of state) if (c.table === table) state.delete(name);
          },
        ],
        [
          new RegExp(`^ALTER TABLE ${TABLE} RENAME TO "([^"]+)"$`, "i"),
          ([, from, to]) => {
            for (const c of state.values()) if (c.table === from) c.table = to!;
          },
        ],
        [new RegExp(`^ALTER TABLE ${TABLE} (.*)$`, "i"), ([, table, actions]) => alterTable(table!, actions!)],
      ]);
    }
  }
  return state;
}

function readMigrations(): string[] {
  return readdirSync(join(ROOT, MIGRATIONS), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((dir) => read(`${MIGRATIONS}/${dir}/migration.sql`));
}

// --- docs/schema.md ----------------------------------------------------------------------------

interface DocTable {
  prose: boolean;
  columns: Map<string, { type: string; why: string }>;
  constraints: Map<string, { spec: string; why: string }>;
}

/** `## Table \`name\`` sections: a paragraph, `| \`column\` | type | why |` rows, `- \`name\` spec: why` items. */
function parseDoc(text: string): Map<string, DocTable> {
  const tables = new Map<string, DocTable>();
  let current: DocTable | null = null;
  for (const line of text.split("\n")) {
    const heading = /^##\s+(.*)$/.exec(line);
    if (heading) {
      const name = /^Table `(\w+)`\s*$/.exec(heading[1]!)?.[1];
      current = name ? { prose: false, columns: new Map(), constraints: new Map() } : null;
      if (name) tables.set(name, current!);
      continue;
    }
    if (!current) continue;
    const row = /^\|\s*`(\w+)`\s*\|([^|]*)\|(.*)\|\s*$/.exec(line);
    const item = /^-\s+`(\w+)`\s+([^:]*?):(.*)$/.exec(line);
    if (row) current.columns.set(row[1]!, { type: row[2]!.trim(), why: row[3]!.trim() });
    else if (item) current.constraints.set(item[1]!, { spec: item[2]!.trim(), why: item[3]!.trim() });
    else if (/^[A-Za-z`(]/.test(line.trim()) && current.columns.size === 0) current.prose = true;
  }
  return tables;
}

const typeCell = (c: Column) => (c.nullable ? `${c.type}, null` : c.type);
const specOf = (c: Constraint) => (c.kind === "check" ? "check" : `${c.kind} (${c.columns.join(", ")})${c.references ? ` → ${c.references}` : ""}`);
const columnLine = (c: Column) => `| \`${c.name}\` | ${typeCell(c)} | TODO: why |`;
const constraintLine = (c: Constraint) => `- \`${c.name}\` ${specOf(c)}: TODO: why`;
/** The doc's type cell is `type[, null][, anything else]`; a list's nullability is not Prisma's to say. */
function sameType(cell: string, c: Column): boolean {
  const [type, ...flags] = cell.split(",").map((s) => s.trim());
  return type === c.type && (c.type.endsWith("[]") || flags.includes("null") === c.nullable);
}
const unexplained = (why: string) => why.replace(/[\s.-]/g, "") === "" || /\bTODO\b/.test(why);

/** What the database has: tables and columns from the schema, constraints from both. */
function expectedSchema(schemaText: string, sqlFiles: string[]): Model[] {
  const models = parsePrismaSchema(schemaText);
  const fromPrisma = new Set(models.flatMap((m) => m.constraints.map((c) => c.name)));
  for (const c of parseMigrations(sqlFiles).values()) {
    // What Prisma cannot express: CHECK constraints and hand-written (e.g. partial) indexes.
    if (fromPrisma.has(c.name)) continue;
    models.find((m) => m.table === c.table)?.constraints.push(c);
  }
  return models;
}

/** Every difference between the doc and the database, each with what to do about it. */
function schemaDocProblems(models: Model[], doc: Map<string, DocTable>): string[] {
  const problems: string[] = [];
  for (const model of models) {
    const t = model.table;
    const documented = doc.get(t);
    if (!documented) {
      const section = [
        `## Table \`${t}\``,
        "",
        "TODO: why this table exists.",
        "",
        "| column | type | why |",
        "|---|---|---|",
        ...model.columns.map(columnLine),
        "",
        "Indexes and constraints:",
        "",
        ...model.constraints.map(constraintLine),
      ];
      problems.push(`table ${t} is not documented: add this section, each TODO replaced by the why:\n\n${section.join("\n")}\n`);
      continue;
    }
    if (!documented.prose) problems.push(`table ${t}: say why the table exists in a paragraph under its heading`);
    for (const c of model.columns) {
      const d = documented.columns.get(c.name);
      if (!d) problems.push(`column ${t}.${c.name} is not documented: add under ## Table \`${t}\`: ${columnLine(c)}`);
      else if (!sameType(d.type, c))
        problems.push(`column ${t}.${c.name} is "${d.type}" in the doc but "${typeCell(c)}" in the schema: write ${columnLine(c)}`);
      else if (unexplained(d.why)) problems.push(`column ${t}.${c.name}: say why it exists (the third cell)`);
    }
    for (const name of documented.columns.keys()) {
      if (!model.columns.some((c) => c.name === name)) problems.push(`column ${t}.${name} no longer exists: remove its row from docs/schema.md`);
    }
    for (const c of model.constraints) {
      const d = documented.constraints.get(c.name);
      if (!d) problems.push(`${c.kind} ${c.name} is not documented: add under ## Table \`${t}\`: ${constraintLine(c)}`);
      else if (d.spec !== specOf(c))
        problems.push(`${c.name} is "${d.spec}" in the doc but "${specOf(c)}" in the database: write \`${c.name}\` ${specOf(c)}: ...`);
      else if (unexplained(d.why)) problems.push(`${c.name}: say which invariant it enforces or which query it serves (after the colon)`);
    }
    for (const name of documented.constraints.keys()) {
      if (!model.constraints.some((c) => c.name === name)) problems.push(`index or constraint ${name} no longer exists on ${t}: remove it from docs/schema.md`);
    }
  }
  for (const t of doc.keys()) {
    if (!models.some((m) => m.table === t)) problems.push(`table ${t} no longer exists: remove its section from docs/schema.md`);
  }
  return problems;
}

// --- the checks ----------------------------------------------------------------------------------

const schemaText = read("prisma/schema.prisma");
const sqlFiles = readMigrations();

describe("docs/schema.md", () => {
  it("documents every table, column, index and constraint, and nothing that no longer exists", () => {
    const problems = schemaDocProblems(expectedSchema(schemaText, sqlFiles), parseDoc(read("docs/schema.md")));
    expect(problems.length, `docs/schema.md is out of date (${problems.length}):\n- ${problems.join("\n- ")}\n`).toBe(0);
  });

  it("derives the names the migrations really create from schema.prisma", () => {
    const inSql = parseMigrations(sqlFiles);
    const wrong = parsePrismaSchema(schemaText)
      .flatMap((m) => m.constraints)
      .filter((c) => {
        const sql = inSql.get(c.name);
        return !sql || sql.kind !== c.kind || sql.columns.join() !== c.columns.join() || (sql.references ?? "") !== (c.references ?? "");
      })
      .map(
        (c) =>
          `${c.name} (${specOf(c)}): ${inSql.has(c.name) ? `the migrations say ${specOf(inSql.get(c.name)!)}` : "no migration creates it (npm run db:diff)"}`,
      );
    expect(wrong).toEqual([]);
  });

  it("names a table added to the schema, a column gone and a stale index, with the lines to paste", () => {
    const added = `${schemaText}\nmodel Widget {\n  id String @id @db.Uuid\n  ownerId String @map("owner_id") @db.Uuid\n  label String?\n  @@unique([ownerId, label], map: "widgets_owner_label")\n  @@index([label(sort: Desc)])\n  @@map("widgets")\n}\n`;
    const sql = [...sqlFiles, `-- a comment; with a semicolon\nALTER TABLE "users" ADD CONSTRAINT "users_email_lower" CHECK ("email" = lower("email"));`];
    const doc = parseDoc(`${read("docs/schema.md")}\n## Table \`gone\`\n\nOld.\n`);
    doc.get("users")!.columns.delete("full_name");
    doc.get("users")!.columns.set("nickname", { type: "text", why: "old" });
    doc.get("users")!.columns.set("email", { type: "text", why: "the email" });
    doc.get("users")!.constraints.set("users_nickname_key", { spec: "unique (nickname)", why: "old" });
    const problems = schemaDocProblems(expectedSchema(added, sql), doc).join("\n");
    expect(problems).toContain("table widgets is not documented");
    expect(problems).toContain("| `owner_id` | uuid | TODO: why |");
    expect(problems).toContain("| `label` | text, null | TODO: why |");
    expect(problems).toContain("- `widgets_owner_label` unique (owner_id, label): TODO: why");
    expect(problems).toContain("- `widgets_label_idx` index (label): TODO: why");
    expect(problems).toContain("column users.full_name is not documented: add under ## Table `users`: | `full_name` | text | TODO: why |");
    expect(problems).toContain("column users.nickname no longer exists");
    expect(problems).toContain('column users.email is "text" in the doc but "text, null" in the schema');
    expect(problems).toContain("check users_email_lower is not documented");
    expect(problems).toContain("index or constraint users_nickname_key no longer exists on users");
    expect(problems).toContain("table gone no longer exists");
  });
});
