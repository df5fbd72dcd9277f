import { Body, Controller, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../../platform/auth/decorators';
import type { Principal } from '../../../platform/auth/principal';
import { DomainException } from '../../../platform/http/domain-exception';
import { uuidOr404 } from '../../../platform/http/params';
import { ListPackagesQuery, PackageDto, packageView } from '../dto/package.dto';
import type { PackageFields } from './packages.repository';
import { PackagesRepository } from './packages.repository';

const PackageId = uuidOr404('Package');

const fields = (body: PackageDto): PackageFields => ({
  name: body.name,
  description: body.description ?? null,
  priceMinor: body.price_minor,
  currency: body.currency,
  durationSeconds: body.duration_seconds,
  dataCapBytes: body.data_cap_bytes ?? null,
  speedProfile: body.speed_profile ?? null,
  services: body.services ?? [],
  active: body.active ?? true,
});

/**
 * The WiFi packages a company sells (seed 003). Admins define them; anyone of the tenant (customers
 * too: they choose what to buy) reads them. A package is never deleted: sessions and vouchers refer to
 * it; `active: false` takes it off sale.
 */
@ApiTags('sessions')
@ApiBearerAuth()
@Controller('packages')
export class PackagesController {
  constructor(private readonly packages: PackagesRepository) {}

  @Post()
  @Roles('admin')
  async create(@CurrentPrincipal() principal: Principal, @Body() body: PackageDto) {
    return packageView(await this.packages.insert(principal.companyId, fields(body), principal.userId));
  }

  @Get()
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListPackagesQuery) {
    const activeOnly = principal.customerId !== undefined || query.active === true;
    return { data: (await this.packages.list(principal.companyId, activeOnly)).map(packageView) };
  }

  @Get(':id')
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  async get(@CurrentPrincipal() principal: Principal, @Param('id', PackageId) id: string) {
    const row = await this.packages.find(principal.companyId, id);
    if (!row) throw DomainException.notFound('Package');
    return packageView(row);
  }

  /** Replaces the package's terms; sessions already bought keep the terms they were sold. */
  @Put(':id')
  @Roles('admin')
  async replace(
    @CurrentPrincipal() principal: Principal,
    @Param('id', PackageId) id: string,
    @Body() body: PackageDto,
  ) {
    const row = await this.packages.update(principal.companyId, id, fields(body));
    if (!row) throw DomainException.notFound('Package');
    return packageView(row);
  }
}
