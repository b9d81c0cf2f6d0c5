/**
 * Enhanced status codes (RFC 3463, `5.1.1`) and SMTP reply codes (`550`) in an MTA's words, and which of a
 * report's codes to believe. Rules learnt from how bounces are written in the wild (sisimai's corpus): a
 * `Status:` field often carries the reporting MTA's generic code while the remote server's reply beside it says
 * why.
 */

/** How much of a diagnostic is searched for codes (a reply that matters is near its start). */
const MAX_CODE_SCAN = 16 * 1024;
const MAX_CODES = 32;
// No word character, dot or slash before it ("v4.2.1", "10.4.2.1", "1/5.1.1" are not codes), no digit after.
const CODE = /(?<![\w./])([245])\.([0-7])\.(\d{1,3})(?!\d|\.\d)/g;
// A reply code stands alone: "550 ", "550-" (a continued reply), "code :421,"; "[203.0.113.5]" is an address.
const FAILING_REPLY = /(?:^|[\s(:;[#'"])([45])[0-5]\d(?:[\s,-]|$)/;
const SUCCESS_REPLY = /(?:^|[\s(:;[#'"])2[0-5]\d(?:[\s,-]|$)/;

/**
 * The class (`'2'`, `'4'`, `'5'`) of the text's SMTP reply: its first failing reply code, else `'2'` when it has a
 * success code only (in a session transcript the 250s are the steps that worked, not the failure).
 */
export function replyClass(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  const scanned = text.slice(0, MAX_CODE_SCAN);
  return FAILING_REPLY.exec(scanned)?.[1] ?? (SUCCESS_REPLY.test(scanned) ? '2' : undefined);
}

/** `X.0.0`: "some failure of this class", nothing more. */
const isGeneric = (code: string) => code.endsWith('.0.0');
/** A zero subject or detail (`5.1.0`, `5.0.1`): only half a reason. */
const isVague = (code: string) => /^\d\.(?:0\.\d+|\d+\.0)$/.test(code);

/**
 * The code a diagnostic text gives: the first that names a reason, of the SMTP reply's class when the text has a
 * reply code (`klass`; null: any class). A generic `X.0.0` or `4.4.7` ("delivery time expired", which says nothing
 * of why) only when no other code is there; a success code (`2.1.5` of an accepted RCPT in a transcript) only when
 * no failing one is.
 */
export function statusInText(
  text: string | null | undefined,
  klass: string | null | undefined = replyClass(text),
): string | null {
  if (!text) return null;
  // The fallbacks, best first: a generic code of the class, a code of another class (one naming a reason before a
  // generic one), a success code.
  const fallbacks: Array<string | undefined> = [];
  const keep = (rank: number, code: string) => (fallbacks[rank] ??= code);
  const scanned = text.slice(0, MAX_CODE_SCAN);
  CODE.lastIndex = 0;
  let count = 0;
  for (let match = CODE.exec(scanned); match && count < MAX_CODES; match = CODE.exec(scanned), count++) {
    const code = `${match[1]}.${match[2]}.${Number(match[3])}`;
    const generic = isGeneric(code) || code === '4.4.7';
    if (klass && match[1] !== klass) keep(generic ? 2 : 1, code);
    else if (!klass && match[1] === '2') keep(3, code);
    else if (generic) keep(0, code);
    else return code;
  }
  return fallbacks.find((code) => code !== undefined) ?? null;
}

/**
 * Between a report's `Status:` field and the code in its diagnostic: the one of the SMTP reply's class when they
 * disagree on the class; else the field, unless it says less than the diagnostic (generic, a zero part the
 * diagnostic's code has not) or is one MTAs stamp on any failure of a kind — `4.4.7` (gave up retrying), `5.3.x`
 * (the reporting system's own trouble), `5.1.1` (any refused recipient) — while the remote server's code says why.
 */
export function preferredStatus(
  field: string | null,
  inText: string | null,
  klass: string | null | undefined,
): string | null {
  if (!field || !inText || field === inText) return field ?? inText;
  if (field[0] !== inText[0]) return klass === inText[0] ? inText : field;
  if (isGeneric(inText)) return field;
  if (isGeneric(field) || (isVague(field) && !isVague(inText))) return inText;
  if (field === '4.4.7' || field.startsWith('5.3.')) return inText;
  if (field === '5.1.1' && !isVague(inText)) return inText;
  return field;
}
