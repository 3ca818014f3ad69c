// The OpenAPI document of the whole app without starting it: the controllers are
// read from AppModule's module tree (nothing is instantiated or connected). Used by
// `npm run openapi` (docs/openapi.yaml) and by the test that keeps that file current;
// the running app serves the same document at /openapi.json.
import { AppModule } from '../app.module';
import { loadConfig } from '../config/config';
import { OpenApiDocument, buildOpenApiDocument, controllersOf } from './openapi-document';

export function appOpenApiDocument(): OpenApiDocument {
  const wiring = { config: loadConfig({}), brokers: [], databaseUrl: '' };
  return buildOpenApiDocument(controllersOf(AppModule.forRoot(wiring)));
}

export const OPENAPI_YAML_HEADER =
  '# Generated from the route definitions (@ApiRoute) by `npm run openapi`; do not edit.\n' +
  '# The running server serves the same document at /openapi.json and renders it at /docs.\n';
