// HTTP edge of upsertion tasks (seed 004): parse by the route's schemas (tasks.api.ts), delegate.
import { Controller, Get, HttpCode, Inject, Post, Put, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Authorize } from '../auth/access-rule';
import { ApiRoute, ValidBody, ValidQuery } from '../common/api-route';
import { limitRouteBody } from '../common/http-edge';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { ListTasksQuery, RunTaskInput, TaskIdQuery } from './dto/task-requests';
import { TasksApi } from './tasks.api';
import { TasksService } from './tasks.service';

@Controller('embeddings/upsertion-tasks')
export class TasksController {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly tasks: TasksService,
  ) {
    for (const url of ['/embeddings/upsertion-tasks/run', '/embeddings/upsertion-tasks/categories/run']) limitRouteBody(url, config.tasks.requestBytesMax);
  }

  @Post('run')
  @Authorize('tasks:write')
  @ApiRoute(TasksApi.run)
  async run(@ValidBody() input: RunTaskInput, @Res({ passthrough: true }) reply: FastifyReply) {
    const { created, task } = await this.tasks.run('default', input);
    reply.status(created ? 201 : 200);
    return task;
  }

  @Post('categories/run')
  @Authorize('tasks:write')
  @ApiRoute(TasksApi.runCategories)
  async runCategories(@ValidBody() input: RunTaskInput, @Res({ passthrough: true }) reply: FastifyReply) {
    const { created, task } = await this.tasks.run('categories', input);
    reply.status(created ? 201 : 200);
    return task;
  }

  @Get('info')
  @Authorize('tasks:read')
  @ApiRoute(TasksApi.info)
  info(@ValidQuery() query: TaskIdQuery) {
    return this.tasks.info(query.task_id);
  }

  @Get('list')
  @Authorize('tasks:read')
  @ApiRoute(TasksApi.list)
  list(@ValidQuery() query: ListTasksQuery) {
    return this.tasks.list(query);
  }

  @Put('restart')
  @HttpCode(200)
  @Authorize('tasks:write')
  @ApiRoute(TasksApi.restart)
  restart(@ValidQuery() query: TaskIdQuery) {
    return this.tasks.restart(query.task_id);
  }

  @Put('cancel')
  @HttpCode(200)
  @Authorize('tasks:write')
  @ApiRoute(TasksApi.cancel)
  cancel(@ValidQuery() query: TaskIdQuery) {
    return this.tasks.cancel(query.task_id);
  }
}
