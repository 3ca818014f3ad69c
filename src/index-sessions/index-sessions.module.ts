import { Module } from '@nestjs/common';
import { CollectionsModule } from '../collections/collections.module';
import { IndexSessionsController } from './index-sessions.controller';
import { IndexSessionsService } from './index-sessions.service';

@Module({
  imports: [CollectionsModule],
  controllers: [IndexSessionsController],
  providers: [IndexSessionsService],
})
export class IndexSessionsModule {}
