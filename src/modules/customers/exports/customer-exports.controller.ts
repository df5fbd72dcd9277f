import { Controller, Get, HttpCode, Param, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import contentDisposition from 'content-disposition';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, Roles } from '../../../platform/auth/decorators';
import type { Principal } from '../../../platform/auth/principal';
import { Clock } from '../../../platform/clock/clock';
import { DomainException } from '../../../platform/http/domain-exception';
import { uuidOr404 } from '../../../platform/http/params';
import { ExportCustomersQuery, ExportResponse } from './customer-export.dto';
import { CustomerExportsService, EXPORT_CONTENT_TYPES } from './customer-exports.service';

const ExportId = uuidOr404('Export');

/**
 * `GET /v1/customers/export` streams every customer matching the list's filters as CSV or JSON;
 * `POST /v1/customers/exports` stores the same file for later download instead.
 */
@ApiTags('customers')
@ApiBearerAuth()
@Controller('customers')
export class CustomerExportsController {
  constructor(
    private readonly exports: CustomerExportsService,
    private readonly clock: Clock,
  ) {}

  @Get('export')
  @Roles('manager', 'admin')
  @ApiProduces('text/csv', 'application/json')
  async stream(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ExportCustomersQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    this.adminsOnlyForDeleted(principal, query);
    const stream = await this.exports.stream(principal, query.format, query.toFilter());
    void reply.header('cache-control', 'private, no-store');
    const stamp = this.clock.now().toISOString().slice(0, 10);
    return new StreamableFile(stream, {
      type: EXPORT_CONTENT_TYPES[query.format],
      disposition: contentDisposition(`customers-${stamp}.${query.format}`, { type: 'attachment' }),
    });
  }

  @Post('exports')
  @HttpCode(202)
  @Roles('manager', 'admin')
  async request(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ExportCustomersQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ExportResponse> {
    this.adminsOnlyForDeleted(principal, query);
    const row = await this.exports.request(principal, query.format, query.toFilter());
    void reply.header('location', `/v1/customers/exports/${row.id}`);
    return ExportResponse.from(row);
  }

  @Get('exports/:id')
  @Roles('manager', 'admin')
  async get(@CurrentPrincipal() principal: Principal, @Param('id', ExportId) id: string) {
    return ExportResponse.from(await this.exports.get(principal, id));
  }

  @Get('exports/:id/file')
  @Roles('manager', 'admin')
  async file(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ExportId) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const { row, stream } = await this.exports.open(principal, id);
    void reply.header('cache-control', 'private, no-store');
    return new StreamableFile(stream, {
      type: EXPORT_CONTENT_TYPES[row.format],
      disposition: contentDisposition(`customers-${row.id}.${row.format}`, { type: 'attachment' }),
      length: Number(row.size_bytes),
    });
  }

  private adminsOnlyForDeleted(principal: Principal, query: ExportCustomersQuery): void {
    if (query.include_deleted && !principal.roles.includes('admin'))
      throw new DomainException('forbidden', 'forbidden', 'Only admins may export deleted customers');
  }
}
