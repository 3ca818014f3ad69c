import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** Serves the web console's page at GET /console (see console.controller.ts). */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
