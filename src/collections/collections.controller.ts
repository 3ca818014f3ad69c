// HTTP edge of the Cosdata collection API: parse the route, delegate, shape the status.
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CollectionsService } from './collections.service';

@Controller('vectordb/collections')
export class CollectionsController {
  constructor(private readonly collections: CollectionsService) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: unknown) {
    return this.collections.create(body);
  }

  @Get()
  list() {
    return this.collections.list();
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.collections.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.collections.delete(id);
  }

  @Post(':id/streaming/upsert')
  @HttpCode(200)
  upsert(@Param('id') id: string, @Body() body: unknown) {
    return this.collections.upsert(id, body);
  }

  @Delete(':id/streaming/delete/:vectorId')
  @HttpCode(204)
  async deleteVector(@Param('id') id: string, @Param('vectorId') vectorId: string): Promise<void> {
    await this.collections.deleteVector(id, vectorId);
  }

  @Post(':id/search/dense')
  @HttpCode(200)
  search(@Param('id') id: string, @Body() body: unknown) {
    return this.collections.search(id, body);
  }
}
