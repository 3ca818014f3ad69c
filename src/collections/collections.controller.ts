// HTTP edge of the Cosdata collection API: parse the route's inputs by their schemas
// (collections.api.ts), delegate, shape the status.
import { Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiRoute, ValidBody, ValidParam } from '../common/api-route';
import { CollectionsApi } from './collections.api';
import { CollectionsService } from './collections.service';
import type { CreateCollectionInput } from './dto/create-collection';
import type { DenseSearchInput } from './dto/search-dense';
import type { UpsertVectorsInput } from './dto/upsert-vectors';

@Controller('vectordb/collections')
export class CollectionsController {
  constructor(private readonly collections: CollectionsService) {}

  @Post()
  @HttpCode(201)
  @ApiRoute(CollectionsApi.create)
  create(@ValidBody() input: CreateCollectionInput) {
    return this.collections.create(input);
  }

  @Get()
  @ApiRoute(CollectionsApi.list)
  list() {
    return this.collections.list();
  }

  @Get(':id')
  @ApiRoute(CollectionsApi.get)
  get(@ValidParam('id') name: string) {
    return this.collections.get(name);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiRoute(CollectionsApi.delete)
  async delete(@ValidParam('id') name: string): Promise<void> {
    await this.collections.delete(name);
  }

  @Post(':id/streaming/upsert')
  @HttpCode(200)
  @ApiRoute(CollectionsApi.upsert)
  upsert(@ValidParam('id') name: string, @ValidBody() input: UpsertVectorsInput) {
    return this.collections.upsert(name, input);
  }

  @Delete(':id/streaming/delete/:vectorId')
  @HttpCode(204)
  @ApiRoute(CollectionsApi.deleteVector)
  async deleteVector(@ValidParam('id') name: string, @ValidParam('vectorId') vectorId: string): Promise<void> {
    await this.collections.deleteVector(name, vectorId);
  }

  @Post(':id/search/dense')
  @HttpCode(200)
  @ApiRoute(CollectionsApi.search)
  search(@ValidParam('id') name: string, @ValidBody() input: DenseSearchInput) {
    return this.collections.search(name, input);
  }
}
