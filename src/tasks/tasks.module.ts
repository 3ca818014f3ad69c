import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CollectionsModule } from '../collections/collections.module';
import { EmbeddingsModule } from '../embeddings/embeddings.module';
import { TaskWorkerService } from './task-worker.service';
import { TasksController } from './tasks.controller';
import { TasksRepository } from './tasks.repository';
import { TasksService } from './tasks.service';

/** Seed 004: upsertion tasks — the routes, the task rows, and this node's share of the task worker. */
@Module({
  imports: [CollectionsModule, EmbeddingsModule],
  controllers: [TasksController],
  providers: [
    { provide: TasksRepository, inject: [DataSource], useFactory: (ds: DataSource) => new TasksRepository(ds) },
    TasksService,
    TaskWorkerService,
  ],
})
export class TasksModule {}
