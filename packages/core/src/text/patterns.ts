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
export const SEPARATOR_LINE = /^\s*(?:_{5,}|-{5,}|={5,})\s*$/;

/** "-----Original Message-----" and its translations (also QQ's "------ 原始邮件 ------"). */
export const ORIGINAL_MESSAGE = new RegExp(
  '^\\s*[-_=]{2,}\\s*(?:original message|original-nachricht|ursprüngliche nachricht|originalnachricht|' +
    "message d'origine|message original|mensaje original|messaggio originale|mensagem original|" +
    'oorspronkelijk bericht|origineel bericht|oorspronkelijke bericht|wiadomość oryginalna|oryginalna wiadomość|' +
    'oprindelig meddelelse|opprinnelig melding|ursprungligt meddelande|originalmeddelande|' +
    'исходное сообщение|исходное письмо|оригинальное сообщение|alkuperäinen viesti|původní zpráva|orijinal mesaj|' +
    '原始邮件|原始郵件|元のメッセージ|원본 메시지|reply message|αρχικό μήνυμα)\\s*[-_=]{2,}\\s*$',
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
  'написав\\(ла\\)|написав|napsal\\(a\\)|napsal|kirjoitti|yazdı|写道|寫道|書きました|작성|έγραψε)';

/** A quote header that ends with a "wrote" verb ("… a écrit :", "… 写道："). */
export const WROTE_END = new RegExp(`${WROTE_VERB}\\s*(?:[:：]\\s*)?$`, 'i');
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
  from: ['from', 'von', 'de', 'van', 'da', 'od', 'fra', 'från', 'от', 'від', '差出人', '发件人', '寄件者', '發件人', 'lähettäjä', 'kimden', '보낸 사람', 'afzender', 'remitente', 'mittente', 'remetente', 'nadawca', 'avsändare', 'expéditeur', 'absender'],
  date: ['sent', 'date', 'gesendet', 'datum', 'envoyé', 'enviado', 'fecha', 'inviato', 'data', 'verzonden', 'wysłano', 'wysłane', 'sendt', 'skickat', 'отправлено', 'дата', '送信日時', '日付', '发送时间', '日期', '寄件日期', '發送時間', 'lähetetty', 'gönderildi', 'tarih', '보낸 날짜', 'verstuurd', 'envoyé le'],
  to: ['to', 'an', 'à', 'a', 'para', 'aan', 'do', 'til', 'till', 'кому', 'до', '宛先', '收件人', '收件者', 'vastaanottaja', 'kime', '받는 사람', 'destinatario', 'destinataire', 'empfänger'],
  cc: ['cc', 'kopie', 'kopia', 'копия', '抄送', '副本', 'cc:', 'kopio', 'bilgi', '참조', 'copie', 'copia'],
  subject: ['subject', 'betreff', 'objet', 'asunto', 'oggetto', 'assunto', 'onderwerp', 'temat', 'emne', 'ämne', 'тема', '件名', '主题', '主旨', 'aihe', 'konu', '제목', 'sujet'],
};

export type HeaderKind = keyof typeof HEADER_FIELDS;

const HEADER_KIND_BY_NAME = new Map<string, HeaderKind>();
for (const [kind, names] of Object.entries(HEADER_FIELDS) as Array<[HeaderKind, string[]]>) {
  for (const name of names) HEADER_KIND_BY_NAME.set(name, kind);
}

// Optional Markdown/Outlook-text bold (`*From:*`), optional space before the colon (French), full-width colon.
const HEADER_LINE = /^\s*\*?([^\s:：*][^:：*]{0,24}?)\*?\s*[:：]\*?(?:\s|$)/u;

/** The kind of an Outlook-style header line ("Von: …" → from), or null. */
export function headerLineKind(line: string): HeaderKind | null {
  const match = HEADER_LINE.exec(line);
  if (!match) return null;
  return HEADER_KIND_BY_NAME.get(match[1]!.trim().toLowerCase()) ?? null;
}

/** Mobile and mail-app signatures, matched against a whole trimmed line. */
export const MOBILE_SIGNATURE = new RegExp(
  '^(?:' +
    [
      // English
      'sent (?:from|via|with|using|by|on) (?:my )?[\\w .,&\'’()-]{1,40}',
      'get outlook for (?:ios|android|mac|windows)',
      'sent from (?:mail|outlook) for (?:windows|mac)(?: \\d+)?',
      '(?:sent )?from my (?:iphone|ipad|android|mobile|phone|samsung[\\w ]{0,30}|blackberry[\\w ]{0,30}|galaxy[\\w ]{0,30})',
      // German
      'von meinem [\\w .-]{1,40} gesendet',
      'gesendet (?:von|mit|vom) (?:meinem |meiner |mein )?[\\w .-]{1,40}',
      'outlook für (?:ios|android) (?:beziehen|herunterladen)',
      // French
      'envoyé (?:de|depuis|avec|à partir de) (?:mon |ma )?[\\w .-]{1,40}',
      'obtenir outlook pour (?:ios|android)',
      // Spanish / Portuguese
      'enviado (?:desde|con|de|do|a partir do|pelo|por) (?:mi |meu |o |el )?[\\w .-]{1,40}',
      'obtener outlook para (?:ios|android)',
      'obter o outlook para (?:ios|android)',
      // Italian
      'inviato (?:da|dal|con) (?:mio |il mio )?[\\w .-]{1,40}',
      'scarica outlook per (?:ios|android)',
      // Dutch
      'verzonden (?:vanaf|met|via|van) (?:mijn )?[\\w .-]{1,40}',
      'outlook voor (?:ios|android) downloaden',
      // Polish
      'wysłane (?:z|ze|przy użyciu) (?:mojego |mojej )?[\\w .-]{1,40}',
      // Swedish / Danish / Norwegian
      'skickat från (?:min |mitt )?[\\w .-]{1,40}',
      'sendt fra (?:min |mit |mitt )?[\\w .-]{1,40}',
      // Russian / Ukrainian
      'отправлено (?:с|из|со) [\\p{L}\\d .-]{1,40}',
      'надіслано (?:з|із) [\\p{L}\\d .-]{1,40}',
      // Japanese / Chinese / Korean
      '[\\w .-]{1,30}から送信',
      '发自我的[\\w .-]{1,30}',
      '發自我的[\\w .-]{1,30}',
      '从我的[\\w .-]{1,30}发送',
      '從我的[\\w .-]{1,30}傳送',
      '나의 [\\w .-]{1,30}에서 보냄',
    ].join('|') +
    ')[.!。]?(?:\\s*<https?://[^>\\s]{1,200}>)?$',
  'iu',
);

export function isMobileSignature(line: string): boolean {
  const trimmed = line.trim();
  return trimmed.length > 0 && trimmed.length <= 120 && MOBILE_SIGNATURE.test(trimmed);
}
