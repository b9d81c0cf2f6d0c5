import { sanitizeHeaderText } from '@mailroom/core/outbound';
import { listAddress, listIdOf, requestAddress, type ResolvedConfig } from '../config.js';
import type { List } from './lists.js';

/** The headers every message leaving a list carries (RFC 2369, 2919, 8058; loop marker). */
export function listHeaders(
  config: ResolvedConfig,
  list: List,
  unsubscribeToken: string | null,
): Record<string, string> {
  const request = requestAddress(config, list.slug);
  const unsubscribe = unsubscribeToken
    ? `<${config.publicUrl}/unsubscribe/${unsubscribeToken}>, <mailto:${request}?subject=unsubscribe>`
    : `<mailto:${request}?subject=unsubscribe>`;
  return {
    'List-Id': `${phrase(list.name)} <${listIdOf(config, list.slug)}>`,
    'List-Archive': `<${config.publicUrl}/archive/${list.slug}>`,
    'List-Help': `<mailto:${request}?subject=help>`,
    'List-Unsubscribe': unsubscribe,
    ...(unsubscribeToken ? { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
    Precedence: 'list',
    'X-Loop': listAddress(config, list.slug),
    // Ask Exchange/Outlook not to answer list mail with out-of-office notices.
    'X-Auto-Response-Suppress': 'OOF, AutoReply',
  };
}

function phrase(name: string): string {
  const clean = sanitizeHeaderText(name);
  return /^[\w .-]*$/.test(clean) ? clean : JSON.stringify(clean);
}

/** The `From` of list mail: the list's `-request` address under the list's name. */
export function requestFrom(config: ResolvedConfig, list: List): { address: string; name: string } {
  return { address: requestAddress(config, list.slug), name: sanitizeHeaderText(`${list.name} list`) };
}
