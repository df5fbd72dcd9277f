import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { DIRECTORY_ROLES } from '../../../staff/staff.service';
import { PRIORITIES } from '../../dto/ticket.dto';
import { TICKET_CATEGORIES } from '../../ticket-routing';
import { ESCALATION_LEVELS } from '../escalation-plan';
import type { WorkingWeek } from '../business-calendar';

const NAME = /^[\w .:-]{1,100}$/;
const A_YEAR_OF_MINUTES = 525_600;

export class SlaConditionsDto {
  @ApiPropertyOptional({ enum: PRIORITIES, isArray: true })
  @IsOptional()
  @IsArray()
  @IsIn(PRIORITIES, { each: true })
  priorities?: string[];

  @ApiPropertyOptional({ enum: TICKET_CATEGORIES, isArray: true })
  @IsOptional()
  @IsArray()
  @IsIn(TICKET_CATEGORIES, { each: true })
  categories?: string[];

  @ApiPropertyOptional({ type: [String], description: 'matches when the customer has any of these tags' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(/^[a-z0-9][a-z0-9_:-]{0,49}$/, { each: true })
  customer_tags?: string[];
}

export class SlaPolicyDto {
  @ApiProperty() @Matches(NAME) name!: string;

  @ApiPropertyOptional({ type: SlaConditionsDto, description: 'all given conditions must hold' })
  @IsOptional()
  @ValidateNested()
  @Type(() => SlaConditionsDto)
  conditions?: SlaConditionsDto;

  @ApiPropertyOptional({ description: 'used when no other policy matches (at most one)' })
  @IsOptional()
  @IsBoolean()
  fallback?: boolean;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(A_YEAR_OF_MINUTES)
  first_response_minutes?: number | null;

  @ApiPropertyOptional({ nullable: true, description: 'after each customer message' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(A_YEAR_OF_MINUTES)
  next_response_minutes?: number | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(A_YEAR_OF_MINUTES)
  resolution_minutes?: number | null;

  @ApiPropertyOptional({ description: 'business calendar name; counted around the clock without one' })
  @IsOptional()
  @Matches(NAME)
  calendar?: string;
}

export class PutSlaPoliciesDto {
  @ApiProperty({
    type: [SlaPolicyDto],
    description: 'in order: the first policy whose conditions hold applies',
  })
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => SlaPolicyDto)
  policies!: SlaPolicyDto[];
}

export class PutCalendarDto {
  @ApiProperty({ example: 'Africa/Nairobi' }) @IsString() @IsNotEmpty() @MaxLength(64) time_zone!: string;

  @ApiProperty({
    description: 'ISO weekday (1 = Monday) → working intervals',
    example: { '1': [['09:00', '17:00']], '5': [['09:00', '13:00']] },
  })
  @IsObject()
  week!: WorkingWeek;

  @ApiPropertyOptional({ type: [String], example: ['2026-12-25'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(400)
  @IsString({ each: true })
  holidays?: string[];
}

export class EscalationRuleDto {
  @ApiProperty({ enum: ESCALATION_LEVELS }) @IsIn(ESCALATION_LEVELS) level!: 1 | 2 | 3;

  @ApiPropertyOptional({ enum: PRIORITIES, isArray: true, description: 'any priority when empty' })
  @IsOptional()
  @IsArray()
  @IsIn(PRIORITIES, { each: true })
  priorities?: string[];

  @ApiPropertyOptional({ enum: ['any', 'first_response', 'next_response', 'resolution'], default: 'any' })
  @IsOptional()
  @IsIn(['any', 'first_response', 'next_response', 'resolution'])
  target?: 'any' | 'first_response' | 'next_response' | 'resolution';

  @ApiProperty({ description: 'working minutes after the deadline (negative: before it)' })
  @IsInt()
  @Min(-10_080)
  @Max(A_YEAR_OF_MINUTES)
  minutes_from_due!: number;

  @ApiProperty({ enum: DIRECTORY_ROLES }) @IsIn(DIRECTORY_ROLES) notify_role!: string;

  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() notify_customer?: boolean;
}

export class PutEscalationRulesDto {
  @ApiProperty({ type: [EscalationRuleDto], description: 'the first matching rule of each level counts' })
  @IsArray()
  @ArrayMaxSize(60)
  @ValidateNested({ each: true })
  @Type(() => EscalationRuleDto)
  rules!: EscalationRuleDto[];
}
