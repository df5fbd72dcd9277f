import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { STAFF_ROLES } from '../../../platform/auth/principal';
import { PageQuery } from '../../../platform/http/pagination';
import { IsSmallJson } from '../../../platform/http/validators';
import {
  CHANNELS,
  DELIVERY_STATUSES,
  NotificationChannelName,
  SEVERITIES,
  Severity,
} from '../notification.types';

export class RecipientDto {
  @ApiProperty({ enum: ['customer', 'user', 'role'] })
  @IsIn(['customer', 'user', 'role'])
  kind!: 'customer' | 'user' | 'role';

  @ApiPropertyOptional({ description: 'customer id (uuid) or staff user id; not for kind role' })
  @ValidateIf((recipient: RecipientDto) => recipient.kind !== 'role')
  @IsString()
  @Matches(/^[\w.:@-]{1,128}$/)
  id!: string;

  @ApiPropertyOptional({ enum: STAFF_ROLES, description: 'kind role: everyone with this staff role' })
  @ValidateIf((recipient: RecipientDto) => recipient.kind === 'role')
  @IsIn(STAFF_ROLES)
  role?: string;

  @ApiPropertyOptional({ description: 'kind role: only this department' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,49}$/)
  department?: string;

  @ApiPropertyOptional({ description: 'staff users only' })
  @IsOptional()
  @IsEmail()
  email?: string;

  @ApiPropertyOptional({ description: 'staff users only' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  phone?: string;

  @ApiPropertyOptional({ enum: CHANNELS, isArray: true })
  @IsOptional()
  @IsArray()
  @IsIn(['email', 'sms', 'in_app'], { each: true })
  channels?: NotificationChannelName[];
}

export class RequestNotificationDto {
  @ApiProperty({ example: 'maintenance.scheduled' })
  @Matches(/^[a-z0-9_.]{1,100}$/)
  type!: string;

  @ApiPropertyOptional({ enum: SEVERITIES, default: 'normal' })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'template variables' })
  @IsObject()
  @IsSmallJson(16_384)
  data!: Record<string, unknown>;

  @ApiProperty({ type: [RecipientDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => RecipientDto)
  recipients!: RecipientDto[];
}

export class InboxQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  unread?: boolean;
}

export class DeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.]{1,100}$/)
  type?: string;

  @ApiPropertyOptional({ enum: CHANNELS })
  @IsOptional()
  @IsIn(CHANNELS)
  channel?: string;

  @ApiPropertyOptional({ enum: ['customer', 'user', 'webhook'] })
  @IsOptional()
  @IsIn(['customer', 'user', 'webhook'])
  recipient_kind?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^[\w.:@-]{1,128}$/)
  recipient_id?: string;
}

export class PreferenceDto {
  @ApiProperty({ enum: ['customer', 'user'] })
  @IsIn(['customer', 'user'])
  recipient_kind!: 'customer' | 'user';

  @ApiProperty()
  @Matches(/^[\w.:@-]{1,128}$/)
  recipient_id!: string;

  @ApiProperty({ enum: ['email', 'sms', 'in_app'] })
  @IsIn(['email', 'sms', 'in_app'])
  channel!: NotificationChannelName;

  @ApiProperty()
  @IsBoolean()
  opted_out!: boolean;
}

export class RegisterWebhookDto {
  @ApiProperty({ example: 'https://example.com/hooks/custops' })
  @IsString()
  @MaxLength(2000)
  url!: string;

  @ApiProperty({ isArray: true, example: ['CustomerCreated'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  event_types!: string[];
}
