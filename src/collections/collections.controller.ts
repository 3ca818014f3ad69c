// HTTP edge of the Cosdata collection API: parse the route's inputs by their schemas
// (collections.api.ts), delegate, shape the status.
import { Authorize } from '../auth/access-rule';
import { Idempotent } from '../idempotency/idempotency';
import { Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiRoute, ValidBody, ValidParam } from '../common/api-route';
import { CollectionsApi } from './collections.api';
import { CollectionsService } from './collections.service';
import type { CreateCollectionInput } from './dto/create-collection';
import type { DenseSearchInput } from './dto/search-dense';
import type { UpsertVectorsInput } from './dto/upsert-vectors';

/** The collection a route acts on: its `:id`. */
const COLLECTION = { kind: 'collections', in: 'param', name: 'id' } as const;

@Controller('vectordb/collections')
export class CollectionsController {
  constructor(private readonly collections: CollectionsService) {}

  @Post()
  @HttpCode(201)
  @Authorize('collections:write', { kind: 'collections', in: 'body', name: 'name' })
  @Idempotent()
  @ApiRoute(CollectionsApi.create)
  create(@ValidBody() input: CreateCollectionInput) {
    return this.collections.create(input);
  }

  @Get()
  @Authorize('collections:read')
  @ApiRoute(CollectionsApi.list)
  list() {
    return this.collections.list();
  }

  @Get(':id')
  @Authorize('collections:read', COLLECTION)
  @ApiRoute(CollectionsApi.get)
  get(@ValidParam('id') name: string) {
    return this.collections.get(name);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authorize('collections:write', COLLECTION)
  @Idempotent()
  @ApiRoute(CollectionsApi.delete)
  async delete(@ValidParam('id') name: string): Promise<void> {
    await this.collections.delete(name);
  }

  @Post(':id/streaming/upsert')
  @Authorize('collections:write', COLLECTION)
  @HttpCode(200)
  @Idempotent()
  @ApiRoute(CollectionsApi.upsert)
  upsert(@ValidParam('id') name: string, @ValidBody() input: UpsertVectorsInput) {
    return this.collections.upsert(name, input);
  }

  @Delete(':id/streaming/delete/:vectorId')
  @Authorize('collections:write', COLLECTION)
  @HttpCode(204)
  @Idempotent()
  @ApiRoute(CollectionsApi.deleteVector)
  async deleteVector(@ValidParam('id') name: string, @ValidParam('vectorId') vectorId: string): Promise<void> {
    await this.collections.deleteVector(name, vectorId);
  }

  @Post(':id/search/dense')
  @Authorize('collections:read', COLLECTION)
  @HttpCode(200)
  @ApiRoute(CollectionsApi.search)
  search(@ValidParam('id') name: string, @ValidBody() input: DenseSearchInput) {
    return this.collections.search(name, input);
  }
}
