// Every controller method states who may call it, next to its route: `@Public()` or
// `@Authorize(scope, resource?)`. The access control (access-control.ts) refuses a route that states neither
// (fail closed), so a route added later cannot be open by accident.

import { SetMetadata } from '@nestjs/common';
import type { ResourceKind, Scope } from './scopes';

/** Where the name of the resource a request acts on is found. */
export interface ResourceLocator {
  kind: ResourceKind;
  /** `header`: a request header (lowercase name), e.g. seed 003's X-Stream-Id. */
  in: 'param' | 'query' | 'body' | 'header';
  name: string;
}

export type AccessRule = { public: true } | { public: false; scope: Scope; resource?: ResourceLocator };

export const ACCESS_RULE = 'intake.access-rule';

export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_RULE, { public: true } satisfies AccessRule);

export const Authorize = (scope: Scope, resource?: ResourceLocator): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_RULE, { public: false, scope, resource } satisfies AccessRule);

/** A handler's rule, or its controller's when the handler states none. */
export function accessRuleOf(handler: object, controller: object): AccessRule | undefined {
  return (Reflect.getMetadata(ACCESS_RULE, handler) ?? Reflect.getMetadata(ACCESS_RULE, controller)) as AccessRule | undefined;
}
