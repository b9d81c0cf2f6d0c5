#!/usr/bin/env node
// ReDoS check: every regex literal and every `new RegExp(…)` / `RegExp(…)` whose pattern is a compile-time
// constant in packages/*/src and apps/*/src (tests excluded: they never see sender data) goes through recheck
// (native binary, no Java). Prints file:line, pattern, verdict (and the attack string of a vulnerable one) and
// exits 1 when any regex is super-linear or could not be decided. Usage: node scripts/check-regexes.mjs [--verbose]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

process.env.RECHECK_BACKEND ??= 'native';
const { check } = await import('recheck');

const root = fileURLToPath(new URL('..', import.meta.url));
const verbose = process.argv.includes('--verbose');
const SKIP_DIRS = new Set(['node_modules', 'dist', 'test-support', '.turbo']);
const isTestFile = (name) => /\.test(?:-data)?\.ts$/.test(name);

function sourceFiles() {
  const out = [];
  for (const group of ['packages', 'apps']) {
    for (const workspace of readdirSync(join(root, group))) {
      const src = join(root, group, workspace, 'src');
      if (statSync(src, { throwIfNoEntry: false })?.isDirectory()) walk(src, out);
    }
  }
  return out.sort();
}

function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) walk(join(dir, entry.name), out);
    } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') && !isTestFile(entry.name)) {
      out.push(join(dir, entry.name));
    }
  }
}

/** Every regex of one file: { line, source, flags } or { line, dynamic } when the pattern is not a constant. */
function regexesOf(file) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const constants = new Map();
  const found = [];
  const visit = (node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && isConst(node)) {
      constants.set(node.name.text, node.initializer);
    }
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const text = node.getText(sf);
      const slash = text.lastIndexOf('/');
      found.push({ line, source: text.slice(1, slash), flags: text.slice(slash + 1) });
    } else if (
      (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'RegExp'
    ) {
      const [patternArg, flagsArg] = node.arguments ?? [];
      const source = patternArg ? constantString(patternArg, constants) : undefined;
      const flags = flagsArg ? constantString(flagsArg, constants) : '';
      if (source === undefined || flags === undefined)
        found.push({ line, dynamic: patternArg ? patternArg.getText(sf).slice(0, 80) : '(none)' });
      else found.push({ line, source, flags });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function isConst(declaration) {
  return ts.isVariableDeclarationList(declaration.parent) && (declaration.parent.flags & ts.NodeFlags.Const) !== 0;
}

/** The value of a constant string expression: literals, `+`, templates, `[…].join(sep)`, file-level consts. */
function constantString(node, constants, depth = 0) {
  if (depth > 20) return undefined;
  const recur = (n) => constantString(n, constants, depth + 1);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) return recur(node.expression);
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = recur(node.left);
    const right = left === undefined ? undefined : recur(node.right);
    return right === undefined ? undefined : left + right;
  }
  if (ts.isTemplateExpression(node)) {
    let out = node.head.text;
    for (const span of node.templateSpans) {
      const value = recur(span.expression);
      if (value === undefined) return undefined;
      out += value + span.literal.text;
    }
    return out;
  }
  if (ts.isIdentifier(node) && constants.has(node.text)) return recur(constants.get(node.text));
  if (
    ts.isCallExpression(node) &&
    ts.isPropertyAccessExpression(node.expression) &&
    node.expression.name.text === 'join'
  ) {
    const array = node.expression.expression;
    const separator = node.arguments.length ? recur(node.arguments[0]) : ',';
    if (separator === undefined || !ts.isArrayLiteralExpression(array)) return undefined;
    const items = array.elements.map(recur);
    return items.includes(undefined) ? undefined : items.join(separator);
  }
  return undefined;
}

const files = sourceFiles();
const found = files.flatMap((file) =>
  regexesOf(file).map((regex) => ({ ...regex, where: `${relative(root, file)}:${regex.line}` })),
);
const dynamic = found.filter((regex) => 'dynamic' in regex);
const literal = found.filter((regex) => !('dynamic' in regex));
// Two checks at a time (the native agent is one process; the machine has two cores).
const results = new Array(literal.length);
let next = 0;
await Promise.all(
  [0, 1].map(async () => {
    while (next < literal.length) {
      const index = next++;
      results[index] = await check(literal[index].source, literal[index].flags, { timeout: 20_000 });
    }
  }),
);
for (const regex of dynamic) console.log(`${regex.where}  (pattern built at run time, not checked: ${regex.dynamic})`);
const counts = { safe: 0, vulnerable: 0, unknown: 0 };
literal.forEach((regex, index) => {
  const result = results[index];
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  const shown = `/${regex.source.length > 120 ? `${regex.source.slice(0, 117)}...` : regex.source}/${regex.flags}`;
  if (result.status === 'safe') {
    if (verbose) console.log(`${regex.where}  safe  ${shown}`);
    return;
  }
  const detail =
    result.status === 'vulnerable'
      ? `${result.complexity.summary}; attack: ${JSON.stringify(result.attack.pattern)}`
      : `could not decide: ${result.error?.kind ?? 'unknown'}`;
  console.log(`${regex.where}  ${result.status.toUpperCase()}  ${shown}\n    ${detail}`);
});
console.log(
  `\n${literal.length} regexes in ${files.length} files: ${counts.safe} safe, ${counts.vulnerable} vulnerable, ${counts.unknown} undecided; ${dynamic.length} built at run time (not checked)`,
);
process.exit(counts.vulnerable + counts.unknown > 0 ? 1 : 0);
