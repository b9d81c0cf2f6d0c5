/**
 * Top-level keys SendGrid itself puts on Event Webhook events. Everything else is a custom arg
 * (`custom_args`/`unique_args` are merged into the top level). Sources: SendGrid's event docs
 * (2021 docs repo and current), StrongGrid and anymail's lists, the reference notes §7.3.
 */
export const SENDGRID_EVENT_KEYS: ReadonlySet<string> = new Set([
  // every event
  'email',
  'timestamp',
  'event',
  'sg_event_id',
  'sg_message_id',
  'smtp-id',
  'category',
  'asm_group_id',
  // delivery
  'ip',
  'reason',
  'status',
  'response',
  'attempt',
  'tls',
  'type',
  'bounce_classification',
  'pool',
  'send_at',
  'cert_err',
  'sg_content_type',
  // engagement
  'useragent',
  'url',
  'url_offset',
  'sg_machine_open',
  // templates
  'sg_template_id',
  'sg_template_name',
  'template_id',
  'template_version_id',
  'template_hash',
  // Marketing Campaigns, Single Sends, legacy newsletter
  'mc_stats',
  'phase_id',
  'singlesend_id',
  'singlesend_name',
  'marketing_campaign_id',
  'marketing_campaign_name',
  'marketing_campaign_version',
  'marketing_campaign_split_id',
  'post_type',
  'sg_user_id',
  'newsletter',
  // SMTP API envelope of legacy events
  'unique_args',
]);
