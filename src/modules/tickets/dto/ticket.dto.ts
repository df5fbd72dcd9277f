import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../../../platform/http/pagination';
import { IsSmallJson } from '../../../platform/http/validators';
import { TICKET_CATEGORIES } from '../ticket-routing';
import type { TicketRow } from '../tickets.repository';

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const STATUSES = ['new', 'open', 'pending', 'on_hold', 'resolved', 'closed'] as const;
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Uploads (POST /v1/tickets/attachments) a ticket or comment claims: on submit and on comments alike. */
const AttachmentIds = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: [String],
      maxItems: 10,
      description: 'ids of your own uploads (POST /v1/tickets/attachments) to attach',
    }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(10),
    IsUUID('all', { each: true }),
  );

export class SubmitTicketDto {
  @ApiProperty({ maxLength: 200 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  subject!: string;
  @ApiProperty({ maxLength: 20000 }) @IsString() @IsNotEmpty() @MaxLength(20000) description!: string;

  @ApiProperty({ enum: TICKET_CATEGORIES })
  @IsIn(TICKET_CATEGORIES, {
    message: `category must be one of ${TICKET_CATEGORIES.join(', ')}`,
  })
  category!: string;

  @ApiPropertyOptional({ enum: PRIORITIES, default: 'normal' })
  @IsOptional()
  @IsIn(PRIORITIES)
  priority?: (typeof PRIORITIES)[number];

  @ApiPropertyOptional({ description: 'staff submitting for a customer' })
  @IsOptional()
  @IsUUID()
  customer_id?: string;

  @ApiPropertyOptional({ description: 'staff: the requester when not a known customer' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(200)
  requester_name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail()
  requester_email?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[a-z0-9][a-z0-9_:-]{0,49}$/, { each: true })
  tags?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'structured form fields' })
  @IsOptional()
  @IsObject()
  @IsSmallJson(16_384)
  fields?: Record<string, unknown>;

  @AttachmentIds()
  attachment_ids?: string[];
}

export class ListTicketsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: string;
  @ApiPropertyOptional({ enum: PRIORITIES })
  @IsOptional()
  @IsIn(PRIORITIES)
  priority?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^[a-z0-9][a-z0-9_-]{0,49}$/) department?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^[\w.:@-]{1,128}$/) assignee_id?: string;

  @ApiPropertyOptional({ description: 'only tickets waiting for manual categorisation' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  triage?: boolean;

  @ApiPropertyOptional({ description: 'only tickets that missed an SLA target (or only those that did not)' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  sla_breached?: boolean;

  @ApiPropertyOptional({ minimum: 0, maximum: 3 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3)
  escalation_level?: number;
}

/** Staff corrections to a ticket; a new priority re-chooses the SLA policy. */
export class UpdateTicketDto {
  @ApiPropertyOptional({ enum: PRIORITIES })
  @IsOptional()
  @IsIn(PRIORITIES)
  priority?: (typeof PRIORITIES)[number];

  @ApiPropertyOptional({ description: 'route by hand (clears the triage flag)' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,49}$/, { message: 'department must be 1-50 of a-z, 0-9, _ or -' })
  department?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[a-z0-9][a-z0-9_:-]{0,49}$/, { each: true })
  tags?: string[];
}

export class MergeTicketDto {
  @ApiProperty({ description: 'the ticket this duplicate is merged into' })
  @IsUUID()
  into_ticket_id!: string;
}

export class SetRouteDto {
  @ApiProperty() @Matches(/^[a-z0-9][a-z0-9_-]{0,49}$/) department!: string;
}

export function ticketResponse(row: TicketRow) {
  const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);
  return {
    id: row.id,
    ticket_number: row.ticket_number,
    customer_id: row.customer_id,
    requester_name: row.requester_name,
    requester_email: row.requester_email,
    subject: row.subject,
    description: row.description,
    category: row.category,
    department: row.department,
    needs_triage: row.needs_triage,
    priority: row.priority,
    status: row.status,
    assignee_id: row.assignee_id,
    escalation_level: row.escalation_level,
    channel: row.channel,
    tags: row.tags,
    fields: row.fields,
    first_response_at: iso(row.first_response_at),
    resolved_at: iso(row.resolved_at),
    closed_at: iso(row.closed_at),
    sla: {
      policy: row.sla_policy?.name ?? null,
      state: row.sla_state,
      next_due_at: iso(row.sla_next_due_at),
    },
    merged_into_id: row.merged_into_id,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export class AddCommentDto {
  @ApiProperty({ maxLength: 20000 }) @IsString() @IsNotEmpty() @MaxLength(20000) body!: string;

  @ApiPropertyOptional({
    default: false,
    description: 'staff only: an internal note, never shown or sent to the customer',
  })
  @IsOptional()
  @IsBoolean()
  internal?: boolean;

  @AttachmentIds()
  attachment_ids?: string[];
}

export class ChangeTicketStatusDto {
  @ApiProperty({ enum: STATUSES })
  @IsIn(STATUSES)
  status!: (typeof STATUSES)[number];
}

export class AssignTicketDto {
  @ApiProperty({ description: 'staff user id (the sub of their tokens)' })
  @Matches(/^[\w.:@-]{1,128}$/)
  assignee_id!: string;
}

export class FormFieldDto {
  @ApiProperty() @Matches(/^[a-z][a-z0-9_]{0,49}$/) name!: string;
  @ApiProperty({ enum: ['string', 'text', 'integer', 'enum'] })
  @IsIn(['string', 'text', 'integer', 'enum'])
  type!: 'string' | 'text' | 'integer' | 'enum';
  @ApiProperty() @IsBoolean() required!: boolean;

  @ApiPropertyOptional({ type: [String] })
  @ValidateIf((field: FormFieldDto) => field.type === 'enum')
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  options?: string[];
}

/** A built-in template (seed 004's bug report or feature request) or custom fields. */
export class SetFormDto {
  @ApiPropertyOptional({ enum: ['bug_report', 'feature_request'] })
  // Each is checked whenever it is given (and when neither is): both given is refused by the service.
  @ValidateIf((form: SetFormDto) => form.fields === undefined || form.template !== undefined)
  @IsIn(['bug_report', 'feature_request'])
  template?: 'bug_report' | 'feature_request';

  @ApiPropertyOptional({ type: [FormFieldDto] })
  @ValidateIf((form: SetFormDto) => form.template === undefined || form.fields !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(30)
  @ValidateNested({ each: true })
  @Type(() => FormFieldDto)
  fields?: FormFieldDto[];
}
