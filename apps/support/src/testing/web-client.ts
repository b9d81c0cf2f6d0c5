/** A tiny cookie-keeping HTTP client for the agent UI, posting forms as a browser would. */
export class WebClient {
  cookie = '';
  constructor(readonly base: string) {}

  async get(path: string): Promise<Response> {
    return fetch(`${this.base}${path}`, { headers: this.cookie ? { cookie: this.cookie } : {}, redirect: 'manual' });
  }

  async postForm(
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const response = await fetch(`${this.base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: this.base,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...headers,
      },
      body: new URLSearchParams(fields).toString(),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    return response;
  }

  async login(email: string, password: string): Promise<Response> {
    return this.postForm('/login', { email, password });
  }

  /** The CSRF token embedded in a page's forms. */
  static csrfOf(html: string): string {
    const match = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!match) throw new Error('no CSRF token in page');
    return match[1]!;
  }
}
