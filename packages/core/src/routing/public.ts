// What the package root offers of routing/ (index.ts adds what only other folders use).
export { Router, createRouter, RouteNameError, FALLBACK_ROUTE } from './router.js';
export type { Route, RouteMatch, MatchOptions } from './router.js';
export type { RoutePattern, RouteMatcher, HeaderCondition, EmailPredicate, ParamsOf, NoParams } from './matchers.js';
export { RoutePatternError } from './pattern.js';
export type { ParamNames, PatternParams, Params } from './pattern.js';
export { recipientsOf } from './recipients.js';
export type { RecipientSource, MatchedRecipient } from './recipients.js';
