import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { DELETE_REASONS, DeleteReason } from '../customers.events';

export class DeleteCustomerQuery {
  @ApiProperty({
    enum: DELETE_REASONS,
    description: 'required; the `reason` label of customer_deleted_total',
  })
  @IsIn(DELETE_REASONS, {
    message: `reason must be one of ${DELETE_REASONS.join(', ')}`,
  })
  reason!: DeleteReason;

  @ApiPropertyOptional({ enum: ['soft', 'hard'], default: 'soft' })
  @IsOptional()
  @IsIn(['soft', 'hard'])
  mode: 'soft' | 'hard' = 'soft';
}

export class GetCustomerQuery {
  @ApiPropertyOptional({ description: 'Admins only: also find a soft-deleted customer' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  include_deleted?: boolean;
}
