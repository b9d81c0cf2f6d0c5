/**
 * The apps' one look (hono/jsx, server-rendered, no script): the `Page` frame, shared components, the styled
 * 404 and error pages, and the stylesheet and favicon routes (`kitAssets()`, mounted beside each app's pages).
 */
export { Page } from './layout.js';
export type { PageProps, NavItem } from './layout.js';
export {
  PageHead,
  Flash,
  Flashes,
  Empty,
  Badge,
  Table,
  Time,
  Field,
  Select,
  SelectField,
  TextField,
  CsrfInput,
  ActionForm,
} from './components.js';
export type { FlashKind } from './components.js';
export { ErrorPage, NotFoundPage, notFoundHandler } from './errors.js';
export type { ErrorPageProps } from './errors.js';
export { kitAssets, KIT_ASSET_PATHS, FAVICON_SVG } from './assets.js';
export { KIT_CSS } from './styles.js';
export { suiteNav, currentSuite } from './suite.js';
export type { SuiteLink } from './suite.js';
