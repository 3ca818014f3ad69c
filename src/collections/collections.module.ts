import { Module } from '@nestjs/common';
import { EmbeddingsModule } from '../embeddings/embeddings.module';
import { CollectionRegistry } from './collection.registry';
import { CollectionsController } from './collections.controller';
import { CollectionsService } from './collections.service';

@Module({
  imports: [EmbeddingsModule],
  controllers: [CollectionsController],
  providers: [CollectionsService, CollectionRegistry],
  exports: [CollectionRegistry, CollectionsService],
})
export class CollectionsModule {}
