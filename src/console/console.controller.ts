// GET /console: the web console (issue 14), one self-contained page built from
// console/ by `npm run build` into dist/console/index.html (script and styles
// inlined, nothing fetched from elsewhere). It is public like /docs: the page holds
// no data; it signs in with an API token and calls the REST API with it, so it can
// do nothing the token may not.
import { Controller, Get, Header, HttpStatus, OnModuleInit, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Public } from '../auth/access-rule';

/** dist/console/index.html under the package root (the nearest folder up with a package.json), from src/ or dist/src/. */
export function consolePagePath(from: string = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'dist', 'console', 'index.html');
}

const NOT_BUILT = 'The console is not built: run `npm run build` (it writes dist/console/index.html).\n';

@Controller()
@Public()
export class ConsoleController implements OnModuleInit {
  private html: string | null = null;

  onModuleInit(): void {
    // Read once: the page is a build artifact and does not change while the app runs.
    const file = consolePagePath();
    this.html = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  }

  @Get('console')
  @Header('cache-control', 'no-cache')
  page(@Res({ passthrough: true }) reply: FastifyReply): string {
    if (this.html === null) {
      reply.status(HttpStatus.SERVICE_UNAVAILABLE).type('text/plain; charset=utf-8');
      return NOT_BUILT;
    }
    reply.type('text/html; charset=utf-8');
    return this.html;
  }
}
