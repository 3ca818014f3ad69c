// HTTP edge of sink tables (/v2/tables): parse by the route's schemas (sinks.api.ts), delegate.
// Each route that names a table names it as a `tables` resource, so a token narrowed to
// named sinks reaches only the tables it names too (src/auth/scopes.ts).
import { Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { Authorize } from '../auth/access-rule';
import { ApiRoute, ValidBody, ValidParam, ValidQuery } from '../common/api-route';
import type { ColumnDef } from './column-types';
import type { CreateTableInput, RowsQuery } from './dto/sink-requests';
import { TablesApi } from './sinks.api';
import { TablesService } from './tables.service';

const TABLE = { kind: 'tables', in: 'param', name: 'name' } as const;

@Controller('v2/tables')
export class TablesController {
  constructor(private readonly tables: TablesService) {}

  @Post()
  @HttpCode(201)
  @Authorize('sinks:write', { kind: 'tables', in: 'body', name: 'name' })
  @ApiRoute(TablesApi.create)
  create(@ValidBody() input: CreateTableInput) {
    return this.tables.create(input);
  }

  @Get()
  @Authorize('sinks:read')
  @ApiRoute(TablesApi.list)
  list() {
    return this.tables.list();
  }

  @Get(':name')
  @Authorize('sinks:read', TABLE)
  @ApiRoute(TablesApi.get)
  get(@ValidParam('name') name: string) {
    return this.tables.get(name);
  }

  @Delete(':name')
  @HttpCode(204)
  @Authorize('sinks:write', TABLE)
  @ApiRoute(TablesApi.delete)
  async delete(@ValidParam('name') name: string): Promise<void> {
    await this.tables.delete(name);
  }

  @Post(':name/columns')
  @HttpCode(201)
  @Authorize('sinks:write', TABLE)
  @ApiRoute(TablesApi.addColumn)
  addColumn(@ValidParam('name') name: string, @ValidBody() column: ColumnDef) {
    return this.tables.addColumn(name, column);
  }

  @Get(':name/rows')
  @Authorize('sinks:read', TABLE)
  @ApiRoute(TablesApi.rows)
  rows(@ValidParam('name') name: string, @ValidQuery() query: RowsQuery) {
    return this.tables.rows(name, query);
  }

  @Get(':name/rows/:id')
  @Authorize('sinks:read', TABLE)
  @ApiRoute(TablesApi.row)
  row(@ValidParam('name') name: string, @ValidParam('id') id: string) {
    return this.tables.row(name, id);
  }
}
