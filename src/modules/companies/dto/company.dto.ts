import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { Company } from '../company.entity';

export class UpdateCompanyDto {
  @ApiProperty({ maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;
}

export class CompanyResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;

  static from(company: Company): CompanyResponse {
    return {
      id: company.id,
      name: company.name,
      created_at: company.createdAt.toISOString(),
      updated_at: company.updatedAt.toISOString(),
    };
  }
}

export class MeResponse {
  @ApiProperty() user_id!: string;
  @ApiProperty({ format: 'uuid' }) company_id!: string;
  @ApiProperty({ type: [String] }) roles!: string[];
  @ApiProperty({ format: 'uuid', nullable: true }) customer_id!: string | null;
  @ApiProperty({ type: CompanyResponse, nullable: true }) company!: CompanyResponse | null;
}
