import { Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Roles } from '../../../platform/auth/decorators';
import type { Principal } from '../../../platform/auth/principal';
import { AppConfig } from '../../../platform/config/app-config';
import { DomainException } from '../../../platform/http/domain-exception';
import { decodeCursor, toPage } from '../../../platform/http/pagination';
import { uuidOr404 } from '../../../platform/http/params';
import {
  ImportErrorResponse,
  ImportErrorsQuery,
  ImportQuery,
  ImportResponse,
  ListImportsQuery,
} from './customer-import.dto';
import { CustomerImportsService } from './customer-imports.service';

const ImportId = uuidOr404('Import');

/**
 * `POST /v1/customers/imports`: a CSV, JSON or NDJSON file in a multipart part named `file`; answered
 * 202 with the import to poll. Rows are checked and merged by a worker.
 */
@ApiTags('customers')
@ApiBearerAuth()
@Controller('customers/imports')
export class CustomerImportsController {
  constructor(
    private readonly imports: CustomerImportsService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(202)
  @Roles('manager', 'admin')
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' } },
    },
  })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ImportQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ImportResponse> {
    if (!request.isMultipart()) {
      throw new DomainException(
        'unsupported_media_type',
        'multipart-required',
        'Send the file as multipart/form-data, in a part named file',
      );
    }
    const part = await request.file({ limits: { fileSize: this.config.IMPORT_MAX_BYTES + 1 } });
    if (!part || part.fieldname !== 'file') {
      part?.file.resume();
      throw new DomainException('invalid_input', 'import-file-missing', 'No file was sent', [
        { field: 'file', message: 'send the file in a multipart part named file' },
      ]);
    }
    const row = await this.imports.upload(
      principal,
      { filename: part.filename, mimetype: part.mimetype, stream: part.file },
      { format: query.format, dryRun: query.dry_run },
    );
    void reply.header('location', `/v1/customers/imports/${row.id}`);
    return ImportResponse.from(row);
  }

  @Get()
  @Roles('manager', 'admin')
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListImportsQuery) {
    const rows = await this.imports.list(
      principal,
      query.limit,
      query.cursor ? decodeCursor(query.cursor) : undefined,
    );
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: row.created_at.toISOString(), id: row.id }),
      (row) => ImportResponse.from(row),
    );
  }

  @Get(':id')
  @Roles('manager', 'admin')
  async get(@CurrentPrincipal() principal: Principal, @Param('id', ImportId) id: string) {
    return ImportResponse.from(await this.imports.get(principal, id));
  }

  /** The refused rows, in file order: row, line, field and reason. */
  @Get(':id/errors')
  @Roles('manager', 'admin')
  async errors(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ImportId) id: string,
    @Query() query: ImportErrorsQuery,
  ) {
    const after = query.cursor
      ? { row: Number(query.cursor.split(':')[0]), field: query.cursor.slice(query.cursor.indexOf(':') + 1) }
      : undefined;
    const rows = await this.imports.errors(principal, id, query.limit + 1, after);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      data: page.map((row) => ImportErrorResponse.from(row)),
      next_cursor: rows.length > query.limit ? `${last.row_number}:${last.field}` : null,
    };
  }
}
