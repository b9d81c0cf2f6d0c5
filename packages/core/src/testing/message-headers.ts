/** A message's top-level header fields, unfolded, in order (test data only: no encoded-word decoding). */
export function headerFieldsOf(message: Buffer): Array<{ name: string; value: string }> {
  const text = message.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  const block = end < 0 ? text : text.slice(0, end);
  const fields: Array<{ name: string; value: string }> = [];
  for (const line of block.split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon > 0)
      fields.push({
        name: line.slice(0, colon).trim(),
        value: line
          .slice(colon + 1)
          .replace(/\r?\n/g, '')
          .trim(),
      });
  }
  return fields;
}

/** The body after the header block. */
export function bodyOf(message: Buffer): string {
  const text = message.toString('utf8');
  const match = /\r?\n\r?\n/.exec(text);
  return match ? text.slice(match.index + match[0].length) : '';
}

/** `Ann <ann@x>, bob@y` → mailboxes (a plain split on commas: test addresses have none in their names). */
export function mailboxesOf(value: string | undefined): Array<{ email: string; name: string }> {
  if (!value) return [];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const open = entry.lastIndexOf('<');
      const close = entry.lastIndexOf('>');
      if (open < 0 || close < open) return { email: entry, name: '' };
      const name = entry.slice(0, open).trim();
      const unquoted = name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1) : name;
      return { email: entry.slice(open + 1, close).trim(), name: unquoted };
    });
}

export function asMessage(message: string | Buffer): Buffer {
  return typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
}
