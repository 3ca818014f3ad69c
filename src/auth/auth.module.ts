import { Module } from '@nestjs/common';
import { TokensController } from './tokens.controller';
import { TokensService } from './tokens.service';

/** Tokens; the gate every route passes is installed on Fastify by bootstrap (access-control.ts). */
@Module({
  controllers: [TokensController],
  providers: [TokensService],
  exports: [TokensService],
})
export class AuthModule {}
