import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ListCustomersQuery } from '../dto/list-customers.query';
import type { CustomerFilter } from '../customers.repository';
import type { ExportRow } from './customer-exports.repository';

const EXPORT_FORMATS = ['csv', 'json'] as const;

/** The list's filters (status, tag, created_from/to, q, include_deleted) and a format. */
export class ExportCustomersQuery extends ListCustomersQuery {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'csv' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format: (typeof EXPORT_FORMATS)[number] = 'csv';

  toFilter(): CustomerFilter {
    return {
      status: this.status,
      tag: this.tag,
      createdFrom: this.created_from,
      createdTo: this.created_to,
      search: this.q,
      includeDeleted: this.include_deleted,
    };
  }
}

export class ExportResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['queued', 'processing', 'generated', 'failed'] }) status!: string;
  @ApiProperty({ enum: EXPORT_FORMATS }) format!: string;
  @ApiProperty() filter_type!: string;
  @ApiProperty({ nullable: true }) rows!: number | null;
  @ApiProperty({ nullable: true }) size_bytes!: number | null;
  @ApiProperty({ nullable: true, description: 'Where to download it, once generated' }) file_url!:
    string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time', nullable: true }) finished_at!: string | null;

  static from(row: ExportRow): ExportResponse {
    return {
      id: row.id,
      status: row.status,
      format: row.format,
      filter_type: row.filter_type,
      rows: row.row_count,
      size_bytes: row.size_bytes === null ? null : Number(row.size_bytes),
      file_url: row.status === 'generated' ? `/v1/customers/exports/${row.id}/file` : null,
      created_at: row.created_at.toISOString(),
      finished_at: row.finished_at?.toISOString() ?? null,
    };
  }
}
