// The OpenAPI document is built from the route definitions: it validates as OpenAPI
// 3.1, and docs/openapi.yaml is the current output of `npm run openapi`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { parse } from 'yaml';
import { appOpenApiDocument } from '../../src/api-docs/app-document';

describe('the OpenAPI document', () => {
  const document = appOpenApiDocument();

  it('validates as OpenAPI 3.1', async () => {
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('is what docs/openapi.yaml holds (run `npm run openapi` after changing a route)', () => {
    const file = parse(fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'openapi.yaml'), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('gives every JSON request body a schema and every path parameter a definition', () => {
    for (const [p, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const body = op.requestBody as { content: Record<string, { schema?: unknown }> } | undefined;
        if (body?.content['application/json']) expect({ p, method, schema: !!body.content['application/json'].schema }).toEqual({ p, method, schema: true });
        const declared = ((op.parameters as { name: string; in: string }[] | undefined) ?? []).filter((x) => x.in === 'path').map((x) => x.name);
        expect(declared.sort()).toEqual([...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
      }
    }
  });
});
