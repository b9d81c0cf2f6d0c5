/** The styled 404 and error pages, and the Hono notFound handler that answers with one (JSON for API callers). */
import type { Context, NotFoundHandler } from 'hono';
import type { Child } from 'hono/jsx';
import { Page, type PageProps } from './layout.js';

export type ErrorPageProps = Omit<PageProps, 'title' | 'children'> & {
  status: number;
  title: string;
  message?: Child;
  children?: Child;
};

export function ErrorPage(props: ErrorPageProps) {
  const { status, title, message, children, ...frame } = props;
  return (
    <Page {...frame} title={title} width="narrow">
      <section class="error-page">
        <p class="code">{status}</p>
        <h1>{title}</h1>
        {message ? <p>{message}</p> : null}
        {children ?? (
          <p>
            <a href={frame.app.home}>Back to {frame.app.name}</a>
          </p>
        )}
      </section>
    </Page>
  );
}

export function NotFoundPage(props: Omit<ErrorPageProps, 'status' | 'title'> & { title?: string }) {
  return (
    <ErrorPage
      {...props}
      status={404}
      title={props.title ?? 'Not found'}
      message={props.message ?? 'There is nothing at this address.'}
    />
  );
}

const wantsJson = (c: Context) =>
  !(c.req.header('accept') ?? '').includes('text/html') && (c.req.header('accept') ?? '').includes('json');

/** `app.notFound(...)`: the styled 404 page, or `{ error }` JSON for a client that asks for JSON. */
export function notFoundHandler(frame: Pick<PageProps, 'app' | 'nav'>): NotFoundHandler {
  return (c) => (wantsJson(c) ? c.json({ error: 'not found' }, 404) : c.html(<NotFoundPage {...frame} />, 404));
}
