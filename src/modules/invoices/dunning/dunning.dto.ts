import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt } from 'class-validator';
import { PageQuery } from '../../../platform/http/pagination';
import type { ReminderRow, ScheduleRow } from './dunning.repository';
import { MAX_OFFSET, MAX_OFFSETS, MIN_OFFSET } from './reminder-plan';

export class PutReminderScheduleDto {
  @ApiProperty({
    type: [Number],
    example: [-3, 1, 7, 30],
    maxItems: MAX_OFFSETS,
    description:
      `days from the due date (negative = before it), ascending, each once, ${MIN_OFFSET} to ${MAX_OFFSET}; ` +
      'an empty list sends no reminders',
  })
  @IsArray()
  @ArrayMaxSize(MAX_OFFSETS)
  @IsInt({ each: true, message: 'each offset must be a whole number of days' })
  offsets_days!: number[];
}

export class ListRemindersQuery extends PageQuery {}

export function scheduleResponse(offsets: readonly number[], row: ScheduleRow | undefined) {
  return {
    offsets_days: [...offsets],
    /** True while the company has set no schedule of its own. */
    is_default: row === undefined,
    updated_at: row ? new Date(row.updated_at).toISOString() : null,
    updated_by: row?.updated_by ?? null,
  };
}

export function reminderResponse(row: ReminderRow) {
  return {
    id: row.id,
    invoice_id: row.invoice_id,
    offset_days: row.offset_days,
    stage: row.stage,
    reminded_on: row.reminded_on,
    due_date: row.due_date,
    balance_minor: Number(row.balance_minor),
    currency: row.currency,
    created_at: new Date(row.created_at).toISOString(),
  };
}
