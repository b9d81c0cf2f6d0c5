/** The home page `/`: what runs here, the addresses to write to, demo logins and "try it" links. */
import { Flash, Page, PageHead } from '@mailroom/app-kit';
import type { ComposePreset, DemoApp } from './apps/index.js';

export function tryItHref(preset: ComposePreset): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(preset)) if (value) params.set(key, value);
  return `/console/compose?${params}`;
}

export interface HomeProps {
  apps: DemoApp[];
  consoleEnabled: boolean;
  security: string[];
  transport: string;
  database: string;
  /** Postmark's and Mailgun's endpoints when mounted (`provider-webhooks.ts`). */
  providerWebhooks?: Array<{ label: string; endpoint: string; detail: string }>;
}

export function HomePage(props: HomeProps) {
  const nav = [
    ...props.apps.map((app) => ({ href: `${app.mountPath}/`, label: app.title })),
    ...(props.consoleEnabled ? [{ href: '/console/inbox', label: 'Console' }] : []),
  ];
  return (
    <Page title="Mailroom demo" app={{ name: 'Mailroom demo', home: '/', base: '' }} nav={nav} suite={false}>
      <PageHead title="Mailroom demo" />
      <p>
        Sample apps that receive email through SendGrid's Inbound Parse Webhook, on one server. Write to the addresses
        below from the console's Compose form (it posts to <code>/webhooks/sendgrid/parse</code> exactly as SendGrid
        would), then follow the mail through the Inbox, the apps and the Outbox.
      </p>
      {props.consoleEnabled ? null : (
        <Flash kind="warn">The developer console is off (production without CONSOLE_PASSWORD).</Flash>
      )}
      {props.apps.map((app) => (
        <section class="card app" id={app.name}>
          <h2>
            <a href={`${app.mountPath}/`}>{app.title}</a> <span class="muted small mono">{app.mountPath}</span>
          </h2>
          <p>{app.summary}</p>
          <table>
            <tbody>
              {app.addresses.map((a) => (
                <tr>
                  <td class="mono address">{a.address}</td>
                  <td>{a.description}</td>
                  <td>
                    {a.tryIt && props.consoleEnabled ? (
                      <a class="button secondary try-it" href={tryItHref(a.tryIt)}>
                        Try it
                      </a>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {app.logins.length ? (
            <p class="small">
              {app.logins.map((l) => (
                <span class="login">
                  Sign in at <a href={l.url}>{l.url}</a> as <code>{l.username}</code>
                  {l.password ? (
                    <>
                      {' '}
                      / <code>{l.password}</code>
                    </>
                  ) : null}
                  {l.note ? <span class="muted"> ({l.note})</span> : null}{' '}
                </span>
              ))}
            </p>
          ) : null}
        </section>
      ))}
      <h2>This server</h2>
      <dl class="facts card">
        <dt>Parse Webhook</dt>
        <dd class="mono">POST /webhooks/sendgrid/parse</dd>
        <dt>Event Webhook</dt>
        <dd class="mono">POST /webhooks/sendgrid/events</dd>
        {(props.providerWebhooks ?? []).map((hook) => (
          <>
            <dt>{hook.label}</dt>
            <dd>
              <span class="mono">{hook.endpoint}</span> <span class="muted">({hook.detail})</span>
            </dd>
          </>
        ))}
        <dt>Security</dt>
        <dd>
          {props.security.map((line) => (
            <div>{line}</div>
          ))}
        </dd>
        <dt>Outbound mail</dt>
        <dd>{props.transport}</dd>
        <dt>Database</dt>
        <dd>{props.database}</dd>
      </dl>
    </Page>
  );
}

export function bannerText(props: HomeProps & { url: string }): string {
  const lines = [`Mailroom demo on ${props.url}`, ''];
  for (const app of props.apps) {
    lines.push(`  ${app.title.padEnd(8)} ${props.url}${app.mountPath}/`);
    for (const a of app.addresses) lines.push(`    write to ${a.address}: ${a.description}`);
    for (const l of app.logins)
      lines.push(`    sign in ${props.url}${l.url} as ${l.username}${l.password ? ` / ${l.password}` : ''}`);
  }
  lines.push('');
  lines.push(
    props.consoleEnabled
      ? `  Console  ${props.url}/console/compose (try-it links on ${props.url}/)`
      : '  Console  off (set CONSOLE_PASSWORD to enable)',
  );
  lines.push(`  Webhooks POST ${props.url}/webhooks/sendgrid/parse · POST ${props.url}/webhooks/sendgrid/events`);
  for (const hook of props.providerWebhooks ?? []) {
    lines.push(`  Webhooks ${hook.endpoint.replace('POST ', `POST ${props.url}`)} (${hook.label})`);
  }
  for (const line of props.security) lines.push(`  Security ${line}`);
  lines.push(`  Mail     ${props.transport}`, `  Database ${props.database}`);
  return lines.join('\n');
}
