// Every route the app's controllers declare, read from Nest's metadata without
// instantiating anything: the method, the Fastify URL pattern and the handler, for
// the parts that need a table of routes (the OpenAPI document, access control).

import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';

export interface ControllerRoute {
  controller: Type;
  /** The method's name on the controller. */
  key: string;
  handler: object;
  /** `GET`, `POST`, … */
  method: string;
  /** Nest's / Fastify's URL pattern, e.g. `/vectordb/collections/:id`. */
  url: string;
}

export function controllerRoutes(controllers: readonly Type[]): ControllerRoute[] {
  const routes: ControllerRoute[] = [];
  for (const controller of controllers) {
    const base = firstPath(Reflect.getMetadata(PATH_METADATA, controller));
    const proto = controller.prototype as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(proto)) {
      const handler = proto[key];
      if (key === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      const url = joinPath(base, firstPath(Reflect.getMetadata(PATH_METADATA, handler)));
      routes.push({ controller, key, handler, method: RequestMethod[method], url });
    }
  }
  return routes;
}

function firstPath(value: unknown): string {
  return Array.isArray(value) ? String(value[0] ?? '') : typeof value === 'string' ? value : '';
}

function joinPath(...parts: string[]): string {
  return `/${parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '').join('/')}`;
}
