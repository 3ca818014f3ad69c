// `npm run openapi`: writes docs/openapi.yaml from the route definitions in the code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { OPENAPI_YAML_HEADER, appOpenApiDocument } from '../src/api-docs/app-document';

const file = path.join(__dirname, '..', 'docs', 'openapi.yaml');
fs.writeFileSync(file, OPENAPI_YAML_HEADER + stringify(appOpenApiDocument(), { lineWidth: 0 }));
console.log(`wrote ${path.relative(process.cwd(), file)}`);
