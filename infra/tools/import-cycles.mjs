// Finds runtime import cycles among the workspace's TypeScript sources (type-only imports
// and exports are erased at run time and do not count). Workspace packages resolve through
// their package.json "exports". Usage: node infra/tools/import-cycles.mjs [--check]
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import ts from "typescript";

const check = process.argv.includes("--check");
const files = execFileSync(
  "git",
  ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts"],
  { encoding: "utf8" },
)
  .split("\n")
  .filter((f) => f && !f.endsWith(".d.ts") && existsSync(f));
const known = new Set(files);

/** `@memoria/x` (and `@memoria/x/sub`) → the file its package.json exports. */
const packages = new Map();
for (const manifest of execFileSync("git", ["ls-files", "*package.json"], {
  encoding: "utf8",
}).split("\n")) {
  if (!manifest) continue;
  const json = JSON.parse(readFileSync(manifest, "utf8"));
  const exportsField = json.exports;
  if (!json.name || !exportsField) continue;
  const entries = typeof exportsField === "string" ? { ".": exportsField } : exportsField;
  for (const [sub, target] of Object.entries(entries)) {
    const path = typeof target === "string" ? target : (target.import ?? target.default);
    if (typeof path === "string")
      packages.set(join(json.name, sub), normalize(join(dirname(manifest), path)));
  }
}

function resolve(from, specifier) {
  if (specifier.startsWith(".")) {
    const base = normalize(join(dirname(from), specifier));
    for (const candidate of [base.replace(/\.js$/, ".ts"), `${base}.ts`, join(base, "index.ts")])
      if (known.has(candidate)) return candidate;
    return undefined;
  }
  const target = packages.get(specifier);
  return target && existsSync(target) ? target : undefined;
}

const graph = new Map();
for (const file of files) {
  const source = ts.createSourceFile(
    file,
    readFileSync(file, "utf8"),
    ts.ScriptTarget.Latest,
    false,
  );
  const edges = [];
  for (const statement of source.statements) {
    const isImport = ts.isImportDeclaration(statement);
    const isExport = ts.isExportDeclaration(statement) && statement.moduleSpecifier;
    if (!isImport && !isExport) continue;
    if (isImport && statement.importClause?.isTypeOnly) continue;
    if (isImport && onlyTypes(statement.importClause)) continue;
    if (isExport && (statement.isTypeOnly || onlyTypeExports(statement))) continue;
    const target = resolve(file, statement.moduleSpecifier.text);
    if (target) edges.push(target);
  }
  graph.set(file, edges);
}

function onlyTypes(clause) {
  if (!clause || clause.name) return false;
  const bindings = clause.namedBindings;
  return Boolean(
    bindings &&
      ts.isNamedImports(bindings) &&
      bindings.elements.length > 0 &&
      bindings.elements.every((e) => e.isTypeOnly),
  );
}
function onlyTypeExports(statement) {
  const clause = statement.exportClause;
  return Boolean(
    clause &&
      ts.isNamedExports(clause) &&
      clause.elements.length > 0 &&
      clause.elements.every((e) => e.isTypeOnly),
  );
}

// Tarjan's strongly connected components: each component of more than one file is a cycle.
let index = 0;
const stack = [];
const state = new Map();
const cycles = [];
function connect(node) {
  state.set(node, { index, low: index, onStack: true });
  index++;
  stack.push(node);
  for (const next of graph.get(node) ?? []) {
    if (!state.has(next)) {
      connect(next);
      state.get(node).low = Math.min(state.get(node).low, state.get(next).low);
    } else if (state.get(next).onStack) {
      state.get(node).low = Math.min(state.get(node).low, state.get(next).index);
    }
  }
  if (state.get(node).low === state.get(node).index) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      state.get(member).onStack = false;
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component);
  }
}
for (const node of graph.keys()) if (!state.has(node)) connect(node);

for (const cycle of cycles) console.log(`cycle: ${cycle.sort().join(" <-> ")}`);
console.log(`${cycles.length} runtime import cycles among ${graph.size} files`);
if (check && cycles.length > 0) process.exit(1);
