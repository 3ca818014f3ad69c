// Counts and times every HTTP response from Fastify's onResponse hook rather than
// a Nest interceptor: the hook also sees what never reaches a handler (unknown
// routes, bodies Fastify rejects, errors thrown by guards) and the final status
// written by the exception filter.

import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { MetricsService, UNMATCHED_ROUTE } from './metrics';

@Injectable()
export class HttpMetricsHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  // Fastify builds each route's hook list when it becomes ready (at listen), so a
  // hook added during module init applies to every route, including Nest's 404.
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    // An application context (no HTTP server) or a non-Fastify adapter: nothing to observe.
    if (!fastify || typeof fastify.addHook !== 'function') return;
    fastify.addHook('onResponse', (request, reply, done) => {
      this.metrics.observeHttpRequest(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }
}
