/** The styled 404 and error pages, and Hono handlers that answer with them (JSON for API callers). */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import type { Child } from 'hono/jsx';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { Page, type PageProps } from './layout.js';

export type ErrorPageProps = Omit<PageProps, 'title' | 'children'> & { status: number; title: string; message?: Child; children?: Child };

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
  return <ErrorPage {...props} status={404} title={props.title ?? 'Not found'} message={props.message ?? 'There is nothing at this address.'} />;
}

const wantsJson = (c: Context) => !(c.req.header('accept') ?? '').includes('text/html') && (c.req.header('accept') ?? '').includes('json');

/** `app.notFound(...)`: the styled 404 page, or `{ error }` JSON for a client that asks for JSON. */
export function notFoundHandler(frame: Pick<PageProps, 'app' | 'nav'>): NotFoundHandler {
  return (c) => (wantsJson(c) ? c.json({ error: 'not found' }, 404) : c.html(<NotFoundPage {...frame} />, 404));
}

/**
 * `app.onError(...)`: an HTTPException keeps its status and message (a client's fault, 4xx); anything else is ours:
 * logged, and a 500 page that shows no internals.
 */
export function errorHandler(frame: Pick<PageProps, 'app' | 'nav'>, log: (error: unknown) => void = console.error): ErrorHandler {
  return (error, c) => {
    const known = error instanceof HTTPException;
    if (!known) log(error);
    const status = (known ? error.status : 500) as ContentfulStatusCode;
    const message = known ? error.message || 'The request could not be handled.' : 'Something went wrong on our side; it has been logged.';
    if (wantsJson(c)) return c.json({ error: message }, status);
    return c.html(<ErrorPage {...frame} status={status} title={status >= 500 ? 'Server error' : 'Request refused'} message={message} />, status);
  };
}
