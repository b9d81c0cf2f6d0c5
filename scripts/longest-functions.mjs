#!/usr/bin/env node
// Lists the longest functions (declarations, methods, arrows, function expressions) in the given folders' .ts/.tsx
// files, tests excluded: `node scripts/longest-functions.mjs apps [--over 100]`. Lines counted from the first to
// the last line of the function's text; a function's nested functions count inside it too.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
const overAt = args.indexOf('--over');
const over = overAt >= 0 ? Number(args[overAt + 1]) : 0;
const roots = args.filter((arg, i) => arg !== '--over' && (overAt < 0 || i !== overAt + 1));

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

function nameOf(node) {
  if (node.name) return node.name.getText();
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText();
  if (ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText().slice(0, 40)})`;
  return '(anonymous)';
}

const found = [];
for (const root of roots.length ? roots : ['apps']) {
  for (const file of sourceFiles(root)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        found.push({
          lines: last - first + 1,
          where: `${relative(process.cwd(), file)}:${first + 1}`,
          name: nameOf(node),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
}
found.sort((a, b) => b.lines - a.lines);
for (const f of found.filter((f) => f.lines > over).slice(0, over ? undefined : 15))
  console.log(`${String(f.lines).padStart(4)}  ${f.name}  ${f.where}`);
