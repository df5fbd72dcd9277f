import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  Channel,
  CHANNELS,
  CustomerCommunication,
  Direction,
  DIRECTIONS,
} from '../entities/customer-communication.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class LogCommunicationDto {
  @ApiProperty({ enum: CHANNELS }) @IsIn(CHANNELS) channel!: Channel;
  @ApiProperty({ enum: DIRECTIONS }) @IsIn(DIRECTIONS) direction!: Direction;

  @ApiPropertyOptional({ maxLength: 300 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(300)
  subject?: string;

  @ApiProperty({ maxLength: 20000 }) @IsString() @IsNotEmpty() @MaxLength(20000) body!: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'defaults to now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  occurred_at?: string;
}

export class CommunicationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) customer_id!: string;
  @ApiProperty({ enum: CHANNELS }) channel!: string;
  @ApiProperty({ enum: DIRECTIONS }) direction!: string;
  @ApiProperty({ nullable: true }) subject!: string | null;
  @ApiProperty() body!: string;
  @ApiProperty({ format: 'date-time' }) occurred_at!: string;
  @ApiProperty() user_id!: string;

  static from(entry: CustomerCommunication): CommunicationResponse {
    return {
      id: entry.id,
      customer_id: entry.customerId,
      channel: entry.channel,
      direction: entry.direction,
      subject: entry.subject,
      body: entry.body,
      occurred_at: entry.occurredAt.toISOString(),
      user_id: entry.userId,
    };
  }
}
