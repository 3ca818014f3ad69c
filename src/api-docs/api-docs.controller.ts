// GET /openapi.json: the OpenAPI 3.1 document of every route this app serves, built
// once at startup from the controllers Nest registered (so a route added to any
// module is in it); GET /docs: a page that renders it, self-contained (no CDN).
import { Public } from '../auth/access-rule';
import { Controller, Get, Header, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Type } from '@nestjs/common';
import { DOCS_PAGE_HTML } from './docs-page';
import { OpenApiDocument, buildOpenApiDocument } from './openapi-document';

@Controller()
@Public()
export class ApiDocsController implements OnModuleInit {
  private document!: OpenApiDocument;

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const controllers = this.discovery
      .getControllers()
      .map((wrapper) => wrapper.metatype as Type | null)
      .filter((c): c is Type => c !== null && c !== undefined);
    this.document = buildOpenApiDocument(controllers);
  }

  @Get('openapi.json')
  openapi(): OpenApiDocument {
    return this.document;
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  docs(): string {
    return DOCS_PAGE_HTML;
  }
}
