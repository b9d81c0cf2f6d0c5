/**
 * Words that mark auto-replies: subjects (out-of-office and generic auto-replies, many languages) and the text of
 * challenge/response systems. Every pattern is a list of literal phrases (linear), run on a bounded prefix.
 */

/** Subject prefixes that only an away notice starts with; anchored, so a person's "Re: out of office plans" is not one. */
export const OUT_OF_OFFICE_SUBJECT = new RegExp(
  '^[\\s[(]*(?:out of (?:the )?office|auto:|abwesenheitsnotiz|abwesend|absence|absent du bureau|fuera de la oficina|' +
    'fuera de oficina|fuori sede|fuori ufficio|afwezig|niet aanwezig|fora do escritório|ausente|nieobecność|frånvaro|' +
    'fraværende|ikke til stede|вне офиса|不在|부재중|on vacation|away from (?:the |my )?office|currently out of office)',
  'i',
);

/**
 * Auto-reply phrases at the start of a subject, or anywhere when a colon or bracket closes them
 * (`[Automatyczna odpowiedź] test`, `Ticket 12 - Automatic reply: …`), but not after a reply prefix: a person
 * answering an auto-reply writes "Re: Automatic reply: …", and one asking "about auto-reply settings" has no colon.
 */
const AUTO_REPLY_PHRASE =
  '(?:automatic reply|auto(?:matic)?[- ]?re(?:ply|sponse)|autoresponder|autoreply|automated (?:reply|response)|' +
  'out of office (?:reply|message|notification|autoreply)|vacation (?:reply|message|notice)|' +
  'automatische antwort|abwesenheitsnotiz|réponse automatique|reponse automatique|message d.absence|' +
  'respuesta automática|respuesta automatica|risposta automatica|risposta automatica|automatisch antwoord|' +
  'resposta automática|resposta automatica|odpowiedź automatyczna|automatyczna odpowiedź|autoodpowiedź|' +
  'automatiskt svar|autosvar|automatisk svar|automatisk besked|automaattinen vastaus|automatická odpověď|' +
  'automatická odpoveď|automatikus válasz|răspuns automat|automātiskā atbilde|automatinis atsakymas|' +
  'automaatne vastus|otomatik yanıt|otomatik cevap|αυτόματη απάντηση|автоответ|автоматический ответ|' +
  'автоматична відповідь|автоматичен отговор|自动回复|自動回覆|自動回信|自動応答|自動返信|자동 응답|자동응답)';
const AUTO_REPLY_AT_START = new RegExp(`^[\\s[(【]*${AUTO_REPLY_PHRASE}`, 'i');
const AUTO_REPLY_CLOSED = new RegExp(`${AUTO_REPLY_PHRASE}[ \\t]?[:：\\]）)】]`, 'i');

const REPLY_PREFIX = /^\s*(?:re|aw|sv|antw|ynt|odp|vs)\s*:/i;

/**
 * True when the subject reads like an away notice or an auto-reply. Classified `out-of-office` (as before the
 * generic phrases were added): Outlook's "Automatic reply:" is nearly always one, and both kinds are treated alike.
 */
export function isAutoReplySubject(subject: string): boolean {
  const head = subject.slice(0, 300);
  return (
    OUT_OF_OFFICE_SUBJECT.test(head) ||
    (!REPLY_PREFIX.test(head) && (AUTO_REPLY_AT_START.test(head) || AUTO_REPLY_CLOSED.test(head)))
  );
}

/**
 * Challenge/response systems (Boxbe, Bluebottle, TMDA, SpamArrest and the like): "prove you are a person before
 * your mail reaches me". Automatic, never a person, and not a bounce (the message is held, not refused).
 */
export const CHALLENGE_TEXT = new RegExp(
  '(?:has been waitlisted|guest list so your messages|to have your address added to the recipient.s allowed list|' +
    'this account is protected by|please verify that you are a (?:real )?(?:person|human)|' +
    'confirm that you are a (?:real )?(?:person|human)|protecting myself from (?:receiving )?(?:junk|spam)|' +
    'i use a challenge.response|challenge/response (?:system|filter)|waiting for your confirmation before|' +
    'only accepts? (?:e-?mail|messages) from (?:approved|verified) senders|click the link below to (?:verify|confirm) (?:you|your)|' +
    'your message is being held until you)',
  'i',
);

/** Headers only challenge/response systems send. */
export const CHALLENGE_HEADERS = [
  'X-Bluebottle-Request',
  'X-Boxbe-Notice',
  'X-Spamarrest-Noauth',
  'X-TMDA-Fingerprint',
  'X-Challenge-Response',
];
