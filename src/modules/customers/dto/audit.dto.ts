import { ApiProperty } from '@nestjs/swagger';

export class AuditEntryResponse {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['customer', 'contact', 'status'] }) entity_type!: string;
  @ApiProperty({ format: 'uuid' }) entity_id!: string;
  @ApiProperty() action!: string;
  @ApiProperty({ nullable: true }) actor_user_id!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: '{ field: { before, after } }' })
  changes!: Record<string, { before?: unknown; after?: unknown }>;
  @ApiProperty({ nullable: true }) reason!: string | null;
  @ApiProperty({ nullable: true }) correlation_id!: string | null;
  @ApiProperty({ format: 'date-time' }) occurred_at!: string;
}
