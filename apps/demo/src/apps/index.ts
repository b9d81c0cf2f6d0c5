/**
 * The sample apps the demo mounts, in home-page order. An app that lands later is one more line here
 * (its module file builds it on the shared Mailroom and describes its addresses, logins and seed).
 */
import { avatarsModule } from './avatars.js';
import { blogModule } from './blog.js';
import { listsModule } from './lists.js';
import { supportModule } from './support.js';
import type { DemoAppModule } from './types.js';

export const demoAppModules: readonly DemoAppModule[] = [blogModule, listsModule, supportModule, avatarsModule];

export type { DemoApp, DemoAppContext, DemoAppModule, DemoAddress, DemoLogin, ComposePreset } from './types.js';
