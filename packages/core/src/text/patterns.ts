/**
 * Localised line patterns shared by the reply extractor. Every pattern is anchored, has no nested
 * quantifiers and is only ever run on a bounded prefix of a line (see `lineHead`), so matching
 * is linear in the input size.
 */

/** Only this many characters of a line are ever examined by a pattern. */
export const MAX_LINE_SCAN = 1000;
/** Quote headers wrapped over several lines are joined up to this many lines… */
export const MAX_HEADER_LINES = 4;
/** …and this many characters. */
export const MAX_HEADER_CHARS = 600;

export function lineHead(line: string): string {
  return line.length > MAX_LINE_SCAN ? line.slice(0, MAX_LINE_SCAN) : line;
}

export const QUOTED_LINE = /^[ \t]*>/;
export const EMPTY_LINE = /^\s*$/;
export const FENCE_LINE = /^\s{0,3}(```|~~~)/;

/** `-- ` (RFC 3676), `--` (trailing space eaten by a client) and `__` (GitHub's parser). */
export const SIGNATURE_DELIMITER = /^(?:-- ?|__)\s*$/;

/** A separator line that precedes an Outlook header block (never a cut on its own). */
export const SEPARATOR_LINE = /^\s*(?:_{5,}|-{5,}|={4,})\s*$/;

/** "-----Original Message-----" and its translations (also QQ's "------ 原始邮件 ------"). */
export const ORIGINAL_MESSAGE = new RegExp(
  '^\\s*\\*?[-_=]{2,}\\s*(?:original message|antwort nachricht|original-nachricht|ursprüngliche nachricht|originalnachricht|' +
    "message d'origine|message original|mensaje original|messaggio originale|mensagem original|" +
    'oorspronkelijk bericht|origineel bericht|oorspronkelijke bericht|wiadomość oryginalna|oryginalna wiadomość|' +
    'oprindelig meddelelse|oprindelig besked|original besked|opprinnelig melding|ursprungligt meddelande|originalmeddelande|' +
    'исходное сообщение|исходное письмо|оригинальное сообщение|alkuperäinen viesti|původní zpráva|orijinal mesaj|' +
    '原始邮件|原始郵件|元のメッセージ|원본 메시지|reply message|αρχικό μήνυμα)\\s*[-_=]{2,}\\*?\\s*$',
  'i',
);

/** Forward markers: "---------- Forwarded message ---------", Apple's "Begin forwarded message:". */
export const FORWARD_MARKER = new RegExp(
  '^\\s*(?:[-_=]{2,}\\s*(?:forwarded message|forwarded e-?mail|weitergeleitete nachricht|message transféré|' +
    'mensaje reenviado|messaggio inoltrato|mensagem encaminhada|mensagem reencaminhada|doorgestuurd bericht|' +
    'wiadomość przekazana|przekazana wiadomość|vidarebefordrat meddelande|videresendt meddelelse|videresendt melding|' +
    'пересылаемое сообщение|переслане повідомлення|转发的邮件|轉寄的郵件|転送メッセージ|전달된 메시지)\\s*[-_=]{2,}' +
    '|(?:begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié|début du message transféré|' +
    'inicio del mensaje reenviado|comienzo del mensaje reenviado|inizio messaggio inoltrato|início da mensagem reencaminhada|' +
    'início da mensagem encaminhada|begin doorgestuurd bericht|początek przekazywanej wiadomości|vidarebefordrat brev|' +
    'начало переадресованного сообщения|転送されたメッセージ|以下为转发的邮件)\\s*[:：])\\s*$',
  'i',
);

const WROTE_VERB =
  '(?:wrote|writes|said|schrieb|geschrieben|a écrit|a ecrit|escribió|escribio|ha scritto|scrisse|escreveu|' +
  'schreef|geschreven|napisał\\(a\\)|napisała|napisał|skrev|написал\\(а\\)|написала|написал|пишет|' +
  'написав\\(ла\\)|написав|пише|napsal\\(a\\)|napsal|kirjoitti|yazdı|đã viết|写道|寫道|書きました|작성|έγραψε)';

/** A quote header that ends with a "wrote" verb ("… a écrit :", "… 写道："). */
// Bounded gaps (not `\\s*`): an unanchored search ending in `\\s*…$` is quadratic in a run of spaces.
export const WROTE_END = new RegExp(`${WROTE_VERB}\\s{0,8}(?:[:：]\\s{0,8})?$`, 'i');
/** What may follow the address of a quote header ending in "<addr>:" (anchored both ends, so linear). */
const ADDRESS_COLON_TAIL = /^\)?>?\)?\s*(?:(?:のメール|님이 작성)\s*)?[:：]\s*$/u;
const ADDRESS_CHAR = /[^\s<>()@]/u;

/**
 * A quote header that ends with the author's address and a colon (Gmail DE/NL/SV/JA/RU, talon's `date … <addr>:`):
 * `local@domain.tld`, optionally in `<>`/`()`, then the colon. Scanned from the last "@" (the tail holds none), as
 * an unanchored regex for it backtracks polynomially.
 */
export function endsWithAddressColon(text: string): boolean {
  const at = text.lastIndexOf('@');
  if (at <= 0 || !ADDRESS_CHAR.test(text[at - 1]!)) return false;
  let end = at + 1;
  while (end < text.length && ADDRESS_CHAR.test(text[end]!)) end++;
  const domain = text.slice(at + 1, end);
  const dot = domain.indexOf('.', 1);
  if (dot < 0 || dot > domain.length - 3) return false; // a dot with a label before it and two characters after
  return ADDRESS_COLON_TAIL.test(text.slice(end));
}
/** Words and date shapes that begin a wrapped quote header; only these lines are joined with the next. */
export const HEADER_LEAD = new RegExp(
  '^\\s*(?:on|le|am|el|il|em|op|w dniu|den|dne|på|в|у|στις|在|kello|' +
    '\\d{1,4}[-./年년]|(?:mon|tue|wed|thu|fri|sat|sun|lun|mar|mer|jeu|ven|sam|dim|mo|di|mi|do|fr|sa|so|' +
    'пн|вт|ср|чт|пт|сб|вс|pon|wt|śr|czw|pt|sob|niedz)\\.?,)',
  'i',
);

/** Outlook/Gmail header-block field names, by field kind, in the languages we support. */
const HEADER_FIELDS: Record<'from' | 'date' | 'to' | 'cc' | 'subject', string[]> = {
  from: [
    'from',
    'von',
    'de',
    'van',
    'da',
    'od',
    'fra',
    'från',
    'от',
    'від',
    '差出人',
    '发件人',
    '寄件者',
    '發件人',
    'lähettäjä',
    'kimden',
    '보낸 사람',
    'afzender',
    'remitente',
    'mittente',
    'remetente',
    'nadawca',
    'avsändare',
    'expéditeur',
    'absender',
  ],
  date: [
    'sent',
    'date',
    'gesendet',
    'datum',
    'envoyé',
    'enviado',
    'fecha',
    'inviato',
    'data',
    'verzonden',
    'wysłano',
    'wysłane',
    'sendt',
    'skickat',
    'отправлено',
    'дата',
    '送信日時',
    '日付',
    '发送时间',
    '日期',
    '寄件日期',
    '發送時間',
    'lähetetty',
    'gönderildi',
    'tarih',
    '보낸 날짜',
    'verstuurd',
    'envoyé le',
    'dato',
    'päivämäärä',
    'datum odeslání',
  ],
  to: [
    'to',
    'an',
    'à',
    'a',
    'para',
    'aan',
    'do',
    'til',
    'till',
    'кому',
    'до',
    '宛先',
    '收件人',
    '收件者',
    'vastaanottaja',
    'kime',
    '받는 사람',
    'destinatario',
    'destinataire',
    'empfänger',
  ],
  cc: [
    'cc',
    'kopie',
    'kopia',
    'копия',
    '抄送',
    '副本',
    'cc:',
    'kopio',
    'bilgi',
    '참조',
    'copie',
    'copia',
    'copie à',
    'kopi',
  ],
  subject: [
    'subject',
    'betreff',
    'objet',
    'asunto',
    'oggetto',
    'assunto',
    'onderwerp',
    'temat',
    'emne',
    'ämne',
    'тема',
    '件名',
    '主题',
    '主旨',
    'aihe',
    'konu',
    '제목',
    'sujet',
  ],
};

export type HeaderKind = keyof typeof HEADER_FIELDS;

const HEADER_KIND_BY_NAME = new Map<string, HeaderKind>();
for (const [kind, names] of Object.entries(HEADER_FIELDS) as Array<[HeaderKind, string[]]>) {
  for (const name of names) HEADER_KIND_BY_NAME.set(name, kind);
}

const FIELD_NAME = /^\p{L}[\p{L}\p{M}\d .'’-]{0,24}$/u;

/**
 * The kind of any `Field: value` line: a known header kind, `other` for an unknown field name (`Reply-To:`,
 * `Risposta:`, `Message du :`), or null when the line is not a field at all. Bold (`*From:*`), a space before the
 * colon and no space after it (`Envoyé le :jeudi`) are accepted; `//` after the colon is a URL, not a field.
 * A header block is a run of these (see reply-text.ts).
 */
export function fieldLineKind(line: string): HeaderKind | 'other' | null {
  const head = line.length > 60 ? line.slice(0, 60) : line;
  let colon = head.indexOf(':');
  const wide = head.indexOf('：');
  if (colon < 0 || (wide >= 0 && wide < colon)) colon = wide;
  if (colon < 1) return null;
  let after = colon + 1;
  if (line[after] === '*') after++;
  if (line.startsWith('//', after)) return null;
  const name = trimStars(head.slice(0, colon));
  if (!FIELD_NAME.test(name)) return null;
  return HEADER_KIND_BY_NAME.get(name.toLowerCase()) ?? 'other';
}

/** Text without surrounding whitespace and Markdown bold stars. */
function trimStars(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === '*' || /\s/.test(text[start]!))) start++;
  while (end > start && (text[end - 1] === '*' || /\s/.test(text[end - 1]!))) end--;
  return text.slice(start, end);
}

/** A line framed in dashes, underscores or equals signs around a few words: `-------- Oprindelig besked --------`. */
export const FRAMED_LINE = /^\s*\*?[-_=]{3,}\s*[^-_=\s][^-_=]{0,60}[-_=]{3,}\*?\s*$/;

/** `|`-quoting (old Usenet/Pine clients); a line ending in `|` is more likely a table row than a quote. */
export const PIPE_QUOTED_LINE = /^[ \t]*\|(?:[ \t]|$)/;

/** A date at the start of a line, as Gmail puts it before the author in some locales (`2013/7/20 Name <addr>`). */
export const DATE_LEAD = /^\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s/;

const BRACKETED_ADDRESS = /^[^<>\s@]{1,64}@[^<>\s@]{1,255}$/;

/** Ends with an address in angle brackets, optionally followed by a colon: `… <john@doe.com>`, `… <john@doe.com>:`. */
export function endsWithBracketedAddress(text: string): boolean {
  let end = text.trimEnd();
  if (end.endsWith(':') || end.endsWith('：')) end = end.slice(0, -1).trimEnd();
  if (!end.endsWith('>')) return false;
  const open = end.lastIndexOf('<');
  return open >= 0 && BRACKETED_ADDRESS.test(end.slice(open + 1, -1));
}

/** Ends inside an address in angle brackets (`… <john@doe.com`), its `>:` wrapped onto the next line. */
export function endsInOpenAddress(text: string): boolean {
  const end = text.trimEnd();
  const open = end.lastIndexOf('<');
  return open >= 0 && BRACKETED_ADDRESS.test(end.slice(open + 1));
}

/** A closing word on its own or with a name after it ("Regards,", "Thanks, Bob", "Mit freundlichen Grüßen"); test a trimmed line. */
export const SIGN_OFF = new RegExp(
  '^(?:(?:(?:best|kind|warm|warmest|many) )?(?:regards|wishes)|best|cheers|thanks|thank you|thanks again|many thanks|sincerely|' +
    'yours(?: truly| sincerely)?|br|rgds|cordially|respectfully|' +
    'mit freundlichen grüßen|mit freundlichen grüssen|viele grüße|beste grüße|liebe grüße|grüße|gruß|mfg|' +
    'cordialement|bien cordialement|bien à vous|merci|salutations|saludos|saludos cordiales|un saludo|atentamente|' +
    'cordiali saluti|saluti|distinti saluti|grazie|atenciosamente|abraços|obrigado|obrigada|met vriendelijke groet|' +
    'groeten|groetjes|pozdrawiam|z poważaniem|med vänlig hälsning|hälsningar|mvh|med venlig hilsen|hilsen|' +
    'с уважением|спасибо|з повагою|ystävällisin terveisin|terveisin)(?:[,.!]|\\s|$)',
  'iu',
);

/** Words of a mailing-list footer below a line of underscores (Mailman, Google Groups, Listserv). */
export const LIST_FOOTER_HINT =
  /mailing list|listinfo|mailman|unsubscribe|abbestellen|désinscri|darse de baja|google groups/i;

/** Mobile and mail-app signatures, matched against a whole trimmed line. */
export const MOBILE_SIGNATURE = new RegExp(
  '^(?:' +
    [
      // English
      "sent (?:from|via|with|using|by|on) (?:my )?[\\p{L}\\d_ .,&'’()-]{1,40}",
      'get outlook for (?:ios|android|mac|windows)',
      'sent from (?:mail|outlook) for (?:windows|mac)(?: \\d+)?',
      '(?:sent )?from my (?:iphone|ipad|android|mobile|phone|samsung[\\w ]{0,30}|blackberry[\\w ]{0,30}|galaxy[\\w ]{0,30})',
      // German
      'von meinem [\\p{L}\\d_ .-]{1,40} gesendet',
      'gesendet (?:von|mit|vom) (?:meinem |meiner |mein )?[\\p{L}\\d_ .-]{1,40}',
      'outlook für (?:ios|android) (?:beziehen|herunterladen)',
      // French
      'envoyé (?:de|depuis|avec|à partir de) (?:mon |ma )?[\\p{L}\\d_ .-]{1,40}',
      'obtenir outlook pour (?:ios|android)',
      // Spanish / Portuguese
      'enviado (?:desde|con|de|do|a partir do|pelo|por) (?:mi |meu |o |el )?[\\p{L}\\d_ .-]{1,40}',
      'obtener outlook para (?:ios|android)',
      'obter o outlook para (?:ios|android)',
      // Italian
      'inviato (?:da|dal|con) (?:mio |il mio )?[\\p{L}\\d_ .-]{1,40}',
      'scarica outlook per (?:ios|android)',
      // Dutch
      'verzonden (?:vanaf|met|via|van) (?:mijn )?[\\p{L}\\d_ .-]{1,40}',
      'outlook voor (?:ios|android) downloaden',
      // Polish
      'wysłane (?:z|ze|przy użyciu) (?:mojego |mojej )?[\\p{L}\\d_ .-]{1,40}',
      // Swedish / Danish / Norwegian
      'skickat från (?:min |mitt )?[\\p{L}\\d_ .-]{1,40}',
      'sendt fra (?:min |mit |mitt )?[\\p{L}\\d_ .-]{1,40}',
      // Russian / Ukrainian
      'отправлено (?:с|из|со) [\\p{L}\\d .-]{1,40}',
      'надіслано (?:з|із) [\\p{L}\\d .-]{1,40}',
      // Japanese / Chinese / Korean
      '[\\p{L}\\d_ .-]{1,30}から送信',
      '发自我的[\\p{L}\\d_ .-]{1,30}',
      '發自我的[\\p{L}\\d_ .-]{1,30}',
      '从我的[\\p{L}\\d_ .-]{1,30}发送',
      '從我的[\\p{L}\\d_ .-]{1,30}傳送',
      '나의 [\\p{L}\\d_ .-]{1,30}에서 보냄',
    ].join('|') +
    ')[.!。]?(?:\\s{0,8}<https?://[^>\\s]{1,200}>)?\\s{0,8}$',
  'iu',
);

export function isMobileSignature(line: string): boolean {
  const trimmed = line.trim();
  return trimmed.length > 0 && trimmed.length <= 120 && MOBILE_SIGNATURE.test(trimmed);
}
