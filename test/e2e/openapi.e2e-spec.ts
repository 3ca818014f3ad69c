// /openapi.json against the routes the server really registers: every route in
// Fastify's route table (but the exempt ones) is documented with its inputs, every
// documented operation is served, and the document validates as OpenAPI 3.1.
// /docs renders it without anything from outside the server.
import SwaggerParser from '@apidevtools/swagger-parser';
import { TestInfra, http, startApp, startInfra } from '../support/app';
import { routeTable } from '../support/routes';

jest.setTimeout(120_000);

/** Served without a schema on purpose: probes, the exposition, the documents themselves, and the console's page. */
const EXEMPT = new Set(['GET /openapi.json', 'GET /docs', 'GET /console']);

/** `/a/:id/b` and `/a/{collection_id}/b` both become `/a/{}/b`. */
const shape = (route: string) => route.replace(/:\w+|\{\w+\}/g, '{}');

describe('the OpenAPI document of the running app', () => {
  let infra: TestInfra;
  let app: Awaited<ReturnType<typeof startApp>>;

  beforeAll(async () => {
    infra = await startInfra();
    app = await startApp(infra);
  });

  afterAll(async () => {
    await app?.close();
    await infra?.stop();
  });

  it('documents every registered route (and nothing that is not served), and validates as OpenAPI 3.1', async () => {
    const res = await http(app.url, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();

    const registered = routeTable(app.app.getHttpAdapter().getInstance());
    expect(registered).toEqual(expect.arrayContaining(['POST /vectordb/collections', 'DELETE /vectordb/collections/:id/streaming/delete/:vectorId']));
    const documented = new Set<string>();
    for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) documented.add(shape(`${method.toUpperCase()} ${p}`));
    }
    const undocumented = registered.filter((r) => !EXEMPT.has(r) && !documented.has(shape(r)));
    expect(undocumented).toEqual([]);
    const registeredShapes = new Set(registered.map(shape));
    expect([...documented].filter((d) => !registeredShapes.has(d))).toEqual([]);
  });

  it('refuses a request by the same schema it documents', async () => {
    const doc = (await http(app.url, 'GET', '/openapi.json')).body;
    const create = doc.paths['/vectordb/collections'].post.requestBody.content['application/json'].schema;
    const max = create.properties.dense_vector.properties.dimension.maximum;
    const r = await http(app.url, 'POST', '/vectordb/collections', { name: 'big', dense_vector: { enabled: true, dimension: max + 1 } });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'INTAKE_VALIDATION', field: 'dense_vector.dimension', rule: `must be an integer in [1, ${max}], got ${max + 1}` });
  });

  it('serves /docs as one self-contained page', async () => {
    const res = await fetch(`${app.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('/openapi.json');
    // Nothing fetched from elsewhere: no external scripts, styles, fonts or images.
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
  });
});
