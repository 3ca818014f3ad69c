// HTTP edge of the token API: parse by the route's schema, delegate, shape.
import { Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiRoute, ValidBody, ValidParam } from '../common/api-route';
import { Errors } from '../common/errors';
import { Authorize } from './access-rule';
import { CreateTokenBody, TokensApi } from './tokens.api';
import { TokensService, tokenView } from './tokens.service';

@Controller('v1/tokens')
@Authorize('admin')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Post()
  @HttpCode(201)
  @ApiRoute(TokensApi.create)
  async create(@ValidBody() body: CreateTokenBody) {
    const expiresAt = body.expires_at === undefined ? null : new Date(body.expires_at);
    if (expiresAt !== null && Number.isNaN(expiresAt.getTime())) throw Errors.validation('expires_at', 'must be an RFC 3339 date-time');
    const { token, secret } = await this.tokens.create({
      name: body.name,
      scopes: body.scopes,
      expiresAt,
      resources: body.resources ?? null,
      rateLimit: body.rate_limit ?? null,
    });
    return { ...tokenView(token), token: secret };
  }

  @Get()
  @ApiRoute(TokensApi.list)
  async list() {
    return { tokens: (await this.tokens.list()).map(tokenView) };
  }

  @Get(':id')
  @ApiRoute(TokensApi.get)
  async get(@ValidParam('id') id: string) {
    return tokenView(await this.tokens.get(id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiRoute(TokensApi.revoke)
  async revoke(@ValidParam('id') id: string): Promise<void> {
    await this.tokens.revoke(id);
  }
}
