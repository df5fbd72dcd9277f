import { Body, Controller, Get, Param, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { CompaniesService } from './companies.service';
import { CompanyResponse, MeResponse, UpdateCompanyDto } from './dto/company.dto';

@ApiTags('companies')
@ApiBearerAuth()
@Controller()
export class CompaniesController {
  constructor(private readonly companies: CompaniesService) {}

  /** Who the token says you are, and your company. */
  @Get('me')
  @ApiOkResponse({ type: MeResponse })
  async me(@CurrentPrincipal() principal: Principal): Promise<MeResponse> {
    const company = await this.companies.ownCompany(principal);
    return {
      user_id: principal.userId,
      company_id: principal.companyId,
      roles: principal.roles,
      customer_id: principal.customerId ?? null,
      company: company ? CompanyResponse.from(company) : null,
    };
  }

  @Get('companies/:id')
  @Roles('admin', 'manager', 'agent', 'viewer')
  @ApiOkResponse({ type: CompanyResponse })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<CompanyResponse> {
    return CompanyResponse.from(await this.companies.get(principal, id));
  }

  @Patch('companies/:id')
  @Roles('admin')
  @ApiOkResponse({ type: CompanyResponse })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: UpdateCompanyDto,
  ): Promise<CompanyResponse> {
    return CompanyResponse.from(await this.companies.rename(principal, id, body.name));
  }
}
