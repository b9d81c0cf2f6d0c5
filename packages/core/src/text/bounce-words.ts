/**
 * Words of returned mail, shared by classification and the plain-text bounce parser. Lists of literal phrases
 * (linear), only ever run on a bounded prefix.
 */

/** Subjects MTAs give returned mail (anchored: a person's "Re: returned mail?" is not one). */
export const BOUNCE_SUBJECT = new RegExp(
  '^\\s*(?:undelivered mail returned to sender|delivery status notification \\((?:failure|delay)\\)|' +
    'mail delivery failed|undeliverable:|undeliverable mail|failure notice|returned mail:|delivery failure|' +
    'mail delivery failure|delivery has failed|message not delivered|warning: message .{0,80} delayed|' +
    'delivery status notification|delivery notification|there was an error sending your mail|returned mail|' +
    'mail system error|' +
    'undelivered mail|non-delivery|delivery failed|mail could not be delivered|permanent delivery failure|' +
    'unzustellbar:|nicht zustellbar|non remis|non distribuable|onbestelbaar:|no se puede entregar|' +
    'não é possível entregar|non recapitabile|niedostarczalne|kan inte levereras|не доставлено|' +
    'メールエラー|配信エラー|未送達|退信|投递失败|無法傳遞)',
  'i',
);

/**
 * What an MTA writes when it returns mail. Only a second signal (with a null sender or a postmaster address):
 * people write "could not be delivered" about parcels too.
 */
export const BOUNCE_TEXT = new RegExp(
  '(?:could not be delivered|couldn.t be delivered|was not delivered|wasn.t delivered|undeliverable|' +
    'delivery (?:has )?failed|delivery to the following recipient|permanent (?:fatal )?error|permanently failed|' +
    'failed permanently|user unknown|unknown user|no such user|mailbox (?:unavailable|not found|is full)|' +
    'recipient address rejected|unable to deliver|not be delivered|returned to sender|transcript of session|' +
    'mail delivery (?:software|system|subsystem)|the mail system|message could not be sent|delivery status|' +
    'the following address(?:es)? had|this is an automatically generated delivery|remote server returned|' +
    'error delivering your mail|error has occurred while attempting to deliver|did not reach the following recipient|' +
    'following recipient\\(s\\)|i.m afraid i wasn.t able to deliver|sorry, we were unable to deliver|' +
    'rejected by (?:a |the )?remote (?:mail )?server)',
  'i',
);

/** What a delay notice says besides "delayed": nothing was returned for good, so nothing needs to be sent again. */
export const DELAY_NOTICE = /warning message only|only a warning|(?:do not|don.t|no) need to re-?send/i;
