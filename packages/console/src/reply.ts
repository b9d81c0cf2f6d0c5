/** "Reply as recipient": the compose form pre-filled as the recipient's answer to an outbox message. */
import type { ComposeFormValues } from './compose-views.js';
import type { OutboundRow } from './data.js';

const formatted = (a: { address: string; name: string }) => (a.name ? `${a.name} <${a.address}>` : a.address);

export function replyValues(message: OutboundRow, defaults: ComposeFormValues, recipient?: string): ComposeFormValues {
  const all = [...message.to, ...message.cc, ...message.bcc];
  const me = all.find((a) => a.address.toLowerCase() === recipient?.toLowerCase()) ?? all[0];
  const answerTo = message.replyTo.length ? message.replyTo : [message.from];
  const when = message.createdAt.toUTCString();
  const quoted = (message.text ?? '')
    .replace(/\r\n/g, '\n')
    .trimEnd()
    .split('\n')
    .map((line) => (line ? `> ${line}` : '>'))
    .join('\n');
  return {
    ...defaults,
    from: me ? formatted(me) : defaults.from,
    to: answerTo.map(formatted).join(', '),
    cc: '',
    subject: /^re:/i.test(message.subject) ? message.subject : `Re: ${message.subject}`,
    text: `\n\nOn ${when}, ${formatted(message.from)} wrote:\n${quoted}\n`,
    html: '',
    inReplyTo: `<${message.messageId}>`,
    references: [...message.references, message.messageId].map((id) => `<${id}>`).join(' '),
  };
}

/** The reply as query parameters of /console/compose (so the pre-filled form has a URL). */
export function composeQuery(values: ComposeFormValues): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  return params.toString();
}
