/**
 * Compose: write an email (or paste an .eml) and post it through the real Parse Webhook endpoint, or as another
 * provider the host configured (Postmark, Mailgun, the relay, SES test-signed) through that provider's endpoint.
 */
import { Field, PageHead, at } from './look/index.js';
import { Layout, Notice } from './layout.js';
import { PROVIDER_LABELS, type ComposeProvider } from './providers.js';

export interface ComposeFormValues {
  mode: 'parsed' | 'raw';
  from: string;
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  text: string;
  html: string;
  inReplyTo: string;
  references: string;
  auth: 'pass' | 'fail' | 'none';
  sample: string;
  /** The provider to post as; '' is SendGrid. */
  provider: string;
}

export const EMPTY_COMPOSE: ComposeFormValues = {
  mode: 'parsed',
  from: 'Pat Example <pat@example.test>',
  to: '',
  cc: '',
  bcc: '',
  subject: '',
  text: '',
  html: '',
  inReplyTo: '',
  references: '',
  auth: 'pass',
  sample: '',
  provider: '',
};

type Addresses = Array<{ address: string; app: string }>;
/** The providers Compose offers, SendGrid first; `endpoint` where the others are posted. */
type Providers = Array<{ name: ComposeProvider; endpoint: string | null }>;

export function ComposePage(props: {
  values: ComposeFormValues;
  addresses: Addresses;
  error?: string | null;
  signing: string;
  /** The file name of the sample attachment the form offers, when there is one. */
  sample: string | null;
  providers: Providers;
}) {
  const others = props.providers.filter((p) => p.endpoint !== null);
  return (
    <Layout title="Compose" section="compose">
      <PageHead
        title="Compose"
        sub={
          <>
            Posted to <code>POST /webhooks/sendgrid/parse</code> exactly as SendGrid's Inbound Parse would:
            multipart/form-data,
            {` ${props.signing}.`}
            {others.length ? (
              <>
                {' Or as '}
                {others.map((p, i) => (
                  <>
                    {i ? ', ' : ''}
                    {PROVIDER_LABELS[p.name]} (<code>POST {p.endpoint}</code>)
                  </>
                ))}
                : that provider's own request, through its endpoint.
              </>
            ) : null}
          </>
        }
      />
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      <ComposeForm
        values={props.values}
        addresses={props.addresses}
        sample={props.sample}
        providers={props.providers}
      />

      <h2>Paste a raw .eml</h2>
      <EmlForm values={props.values} providers={props.providers} />
    </Layout>
  );
}

/** Which provider posts the email: only the configured ones, and no choice at all when SendGrid is the only one. */
function ProviderSelect({ id, value, providers }: { id: string; value: string; providers: Providers }) {
  if (providers.length < 2) return null;
  return (
    <div>
      <label for={id}>Post as</label>
      <select id={id} name="provider">
        {providers.map((p) => (
          <option value={p.name} selected={(value || 'sendgrid') === p.name}>
            {PROVIDER_LABELS[p.name]}
          </option>
        ))}
      </select>
    </div>
  );
}

function ComposeForm({
  values: v,
  addresses,
  sample,
  providers,
}: {
  values: ComposeFormValues;
  addresses: Addresses;
  sample: string | null;
  providers: Providers;
}) {
  return (
    <form class="card" method="post" action={at('/compose')} enctype="multipart/form-data">
      <ProviderSelect id="provider" value={v.provider} providers={providers} />
      {v.inReplyTo ? (
        <Notice>
          Replying to <code>{v.inReplyTo}</code>
        </Notice>
      ) : null}
      <div class="grid2">
        <Field label="From" id="from" type="text" name="from" value={v.from} required />
        <div>
          <label for="to">To</label>
          <input
            type="text"
            id="to"
            name="to"
            value={v.to}
            list="known-addresses"
            placeholder="support@support.example.test"
          />
          <datalist id="known-addresses">
            {addresses.map((a) => (
              <option value={a.address}>{a.app}</option>
            ))}
          </datalist>
        </div>
        <Field label="Cc" id="cc" type="text" name="cc" value={v.cc} />
        <Field
          label="Envelope recipients (Bcc)"
          id="bcc"
          type="text"
          name="bcc"
          value={v.bcc}
          placeholder="in the SMTP envelope, in no header"
        />
      </div>
      <label for="subject">Subject</label>
      <input type="text" id="subject" name="subject" value={v.subject} />
      <label for="text">Text</label>
      <textarea id="text" name="text" rows={10}>
        {v.text}
      </textarea>
      <label for="html">HTML (optional)</label>
      <textarea id="html" name="html" rows={4}>
        {v.html}
      </textarea>
      <PostOptions values={v} sample={sample} />
      <details open={Boolean(v.inReplyTo || v.references)}>
        <summary>Threading</summary>
        <div class="grid2">
          <Field label="In-Reply-To" id="inReplyTo" type="text" name="inReplyTo" value={v.inReplyTo} />
          <Field label="References" id="references" type="text" name="references" value={v.references} />
        </div>
      </details>
      <div class="actions">
        <button type="submit">Send through the webhook</button>
      </div>
    </form>
  );
}

/** Attachments, the parse mode and the sender-authentication results the post claims. */
function PostOptions({ values: v, sample }: { values: ComposeFormValues; sample: string | null }) {
  return (
    <div class="grid2">
      <div>
        <label for="attachments">Attachments</label>
        <input type="file" id="attachments" name="attachments" multiple />
        {sample ? (
          <label>
            <input type="checkbox" name="sample" value="photo" checked={v.sample === 'photo'} /> attach the sample{' '}
            <code>{sample}</code>
          </label>
        ) : null}
      </div>
      <div>
        <label for="mode">Parse mode (SendGrid)</label>
        <select id="mode" name="mode">
          <option value="parsed" selected={v.mode === 'parsed'}>
            parsed (SendGrid's decoded fields)
          </option>
          <option value="raw" selected={v.mode === 'raw'}>
            raw (the full MIME message)
          </option>
        </select>
        <label for="auth">Sender authentication (SendGrid's SPF and DKIM for the From domain)</label>
        <select id="auth" name="auth">
          {(['pass', 'fail', 'none'] as const).map((a) => (
            <option value={a} selected={v.auth === a}>
              {a}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

function EmlForm({ values, providers }: { values: ComposeFormValues; providers: Providers }) {
  return (
    <form class="card" method="post" action={at('/compose/eml')} enctype="multipart/form-data">
      <ProviderSelect id="eml-provider" value={values.provider} providers={providers} />
      <label for="eml">Message source</label>
      <textarea
        id="eml"
        name="eml"
        rows={10}
        placeholder={'From: Ann <ann@example.test>\nTo: support@support.example.test\nSubject: Hello\n\nHi!'}
      />
      <div class="grid2">
        <Field label="…or an .eml file" id="emlfile" type="file" name="file" accept=".eml,message/rfc822" />
        <Field label="Envelope recipients (default: To and Cc)" id="envelope" type="text" name="envelope" />
      </div>
      <div class="actions">
        <button type="submit">{providers.length < 2 ? 'Post in raw mode' : 'Post the message'}</button>
      </div>
    </form>
  );
}
