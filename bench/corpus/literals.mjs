// Reads string literals out of other projects' test sources (JavaScript, Ruby, PHP) without running them:
// the labels a test asserts become the expected reply of a case. Only literals are decoded; anything computed
// is left out (the caller skips that assertion).

const SIMPLE_ESCAPES = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", '`': '`', $: '$', 0: '\0' };

/**
 * Decodes the literal that starts at `at` in `src`: '…', "…", PHP heredoc/nowdoc (<<<NAME … NAME), or a named
 * constant from `constants`. Returns the value and where the literal ends, or null.
 */
export function readLiteral(src, at, { lang, constants = {} } = {}) {
  const quote = src[at];
  if (quote === '"' || quote === "'") return readQuoted(src, at, lang);
  if (src.startsWith('<<<', at)) return readHeredoc(src, at);
  const name = /^[A-Za-z_]\w*/.exec(src.slice(at, at + 100));
  if (name && Object.hasOwn(constants, name[0])) return { value: constants[name[0]], end: at + name[0].length };
  return null;
}

function readQuoted(src, at, lang) {
  const quote = src[at];
  // PHP and Ruby single quotes only know \\ and \'; JavaScript single quotes are like double quotes.
  const raw = quote === "'" && lang !== 'js';
  let value = '';
  for (let i = at + 1; i < src.length; i++) {
    const c = src[i];
    if (c === quote) return { value, end: i + 1 };
    if (c !== '\\') {
      value += c;
      continue;
    }
    const next = src[++i];
    if (raw) value += next === quote || next === '\\' ? next : `\\${next}`;
    else if (next === '\n')
      continue; // a JavaScript line continuation
    else if (next === 'u' && src[i + 1] === '{') {
      const close = src.indexOf('}', i);
      value += String.fromCodePoint(parseInt(src.slice(i + 2, close), 16));
      i = close;
    } else if (next === 'u') {
      value += String.fromCharCode(parseInt(src.slice(i + 1, i + 5), 16));
      i += 4;
    } else value += SIMPLE_ESCAPES[next] ?? next;
  }
  return null;
}

function readHeredoc(src, at) {
  const open = /^<<<\s*['"]?([A-Za-z_]\w*)['"]?\n/.exec(src.slice(at, at + 100));
  if (!open) return null;
  const start = at + open[0].length;
  const close = new RegExp(`\\n[ \\t]*${open[1]}\\b`).exec(src.slice(start));
  if (!close) return null;
  return { value: src.slice(start, start + close.index), end: start + close.index + close[0].length };
}

/** `const NAME = '…';` / `NAME = "…"` constants at the top level of a test file. */
export function readConstants(src, lang) {
  const constants = {};
  for (const m of src.matchAll(/^(?:const |let |var )?([A-Z][A-Z0-9_]+)\s*=\s*/gm)) {
    const literal = readLiteral(src, m.index + m[0].length, { lang });
    if (literal) constants[m[1]] = literal.value;
  }
  return constants;
}
