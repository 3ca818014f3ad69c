// The routes a running app really serves, read from Fastify's route table, so a
// test that walks them cannot miss a route added later.
import type { FastifyInstance } from 'fastify';

/**
 * Every `METHOD /url/:pattern` in Fastify's route table (HEAD omitted), read from
 * `printRoutes({ commonPrefix: false })`: one line per node, `├── /segment (GET, HEAD)`,
 * indented four characters per level under its parent.
 */
export function routeTable(fastify: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    stack.push(m[2]);
    for (const method of m[3]?.split(',').map((x) => x.trim()) ?? []) {
      if (method !== 'HEAD') routes.push(`${method} ${stack.join('').replace(/\/+$/, '') || '/'}`);
    }
  }
  return routes;
}
