import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, MaxLength, MinLength } from 'class-validator';

/** GET /v1/console/search?q=: 2 to 200 characters once trimmed, anything else a 400 problem naming `q`. */
export class ConsoleSearchQuery {
  @ApiProperty({
    minLength: 2,
    maxLength: 200,
    description:
      'A customer number, part of a name, an email, a phone (any formatting), a ticket number, or a payment or session id',
    example: 'CUST-000042',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString({ message: 'q must be a single text' })
  @MinLength(2, { message: 'q must be at least 2 characters' })
  @MaxLength(200, { message: 'q must be at most 200 characters' })
  q!: string;
}
