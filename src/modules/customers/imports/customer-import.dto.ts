import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { MAX_LIMIT, PageQuery } from '../../../platform/http/pagination';
import type { ImportErrorRow, ImportRow } from './customer-imports.repository';
import { IMPORT_STATUSES } from './customer-imports.repository';

const IMPORT_FORMATS = ['csv', 'json', 'ndjson'] as const;

export class ImportQuery {
  @ApiPropertyOptional({ enum: IMPORT_FORMATS, description: 'Default: from the file name, type or content' })
  @IsOptional()
  @IsIn(IMPORT_FORMATS)
  format?: (typeof IMPORT_FORMATS)[number];

  @ApiPropertyOptional({
    default: false,
    description: 'Check every row and report what would change; write nothing',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  dry_run: boolean = false;
}

export class ImportErrorsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_LIMIT, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  limit: number = 100;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @Matches(/^[0-9]{1,9}:[a-z_.()0-9]{1,40}$/, { message: 'cursor is not one this API returned' })
  cursor?: string;
}

export class ListImportsQuery extends PageQuery {}

export class ImportResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: IMPORT_STATUSES }) status!: string;
  @ApiProperty({ enum: IMPORT_FORMATS }) format!: string;
  @ApiProperty() filename!: string;
  @ApiProperty() size_bytes!: number;
  @ApiProperty() dry_run!: boolean;
  @ApiProperty({ nullable: true, description: 'Data rows in the file, once read' }) total!: number | null;
  @ApiProperty({ description: 'Rows processed so far (merged, or refused)' }) processed!: number;
  @ApiProperty({ description: 'Rows refused; see /errors' }) failed!: number;
  @ApiProperty({ description: 'New customers (would be, in a dry run)' }) created!: number;
  @ApiProperty() updated!: number;
  @ApiProperty() unchanged!: number;
  @ApiProperty({ nullable: true }) delimiter!: string | null;
  @ApiProperty({ type: [String], nullable: true }) columns!: string[] | null;
  @ApiProperty({ type: [String], nullable: true, description: 'Header columns the import does not know' })
  ignored_columns!: string[] | null;
  @ApiProperty({ nullable: true, description: 'Why the whole file was refused' }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time', nullable: true }) started_at!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true }) finished_at!: string | null;

  static from(row: ImportRow): ImportResponse {
    return {
      id: row.id,
      status: row.status,
      format: row.format,
      filename: row.filename,
      size_bytes: Number(row.size_bytes),
      dry_run: row.dry_run,
      total: row.total,
      processed: row.processed,
      failed: row.failed,
      created: row.created_count,
      updated: row.updated_count,
      unchanged: row.unchanged_count,
      delimiter: row.delimiter,
      columns: row.columns,
      ignored_columns: row.ignored_columns,
      error: row.error,
      created_at: row.created_at.toISOString(),
      started_at: row.started_at?.toISOString() ?? null,
      finished_at: row.finished_at?.toISOString() ?? null,
    };
  }
}

export class ImportErrorResponse {
  @ApiProperty({ description: '1-based position of the row among the data rows' }) row!: number;
  @ApiProperty({ nullable: true, description: 'Line of the file the row starts on (CSV, NDJSON)' })
  line!: number | null;
  @ApiProperty() field!: string;
  @ApiProperty() reason!: string;

  static from(row: ImportErrorRow): ImportErrorResponse {
    return { row: row.row_number, line: row.line, field: row.field, reason: row.reason };
  }
}
