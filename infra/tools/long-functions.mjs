// Lists source functions longer than a limit (default 60 lines), for the structure rule
// "no function over 60 lines unless a comment says why". A function whose body, or the
// line above it, carries `long-function:` followed by a reason is allowed and listed apart.
// Usage: node infra/tools/long-functions.mjs [--limit 60] [--check]
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import ts from "typescript";

const args = process.argv.slice(2);
const limit = Number(args[args.indexOf("--limit") + 1]) || 60;
const check = args.includes("--check");
const files = execFileSync(
  "git",
  ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts"],
  { encoding: "utf8" },
)
  .split("\n")
  .filter(
    (f) =>
      f &&
      existsSync(f) &&
      !/\.(test|testkit)\.ts$|\/test\/|^test\/|\.d\.ts$|test-support|testing\/|client-suite/.test(
        f,
      ),
  );

const over = [];
const excused = [];
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.end).line;
      const lines = end - start + 1;
      if (lines > limit) {
        const name = node.name?.getText() ?? nameFromParent(node);
        const before = text
          .split("\n")
          .slice(Math.max(0, start - 3), start + 1)
          .join("\n");
        const row = `${file}:${start + 1} ${name} ${lines}`;
        (/long-function:/.test(before) ? excused : over).push(row);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

function nameFromParent(node) {
  const p = node.parent;
  if (p && (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p)) && p.name)
    return p.name.getText();
  if (p && ts.isCallExpression(p)) return `<callback of ${p.expression.getText().slice(0, 40)}>`;
  return "<anonymous>";
}

for (const row of over) console.log(`over ${limit}: ${row}`);
for (const row of excused) console.log(`excused: ${row}`);
console.log(`${over.length} functions over ${limit} lines, ${excused.length} excused`);
if (check && over.length > 0) process.exit(1);
