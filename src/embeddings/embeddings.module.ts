import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { TEXT_EMBEDDER } from './embedder.provider';
import { createEmbedder } from './index';

@Module({
  providers: [{ provide: TEXT_EMBEDDER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createEmbedder(config.embedder) }],
  exports: [TEXT_EMBEDDER],
})
export class EmbeddingsModule {}
