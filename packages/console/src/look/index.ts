/**
 * The console's own look (hono/jsx, server-rendered, no script): the page frame, the error page, the shared
 * components, the stylesheet and favicon routes, and the base path every link is built from (`at('/inbox')`).
 */
export { Page, ErrorPage, type Section } from './page.js';
export { PageHead, Flash, Badge, Table, Time, Field, Select } from './components.js';
export { consoleAssets } from './assets.js';
export { consoleBase, at, type HostLink } from './base.js';
