import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { CurrentPrincipal, Roles } from '../../../platform/auth/decorators';
import type { Principal } from '../../../platform/auth/principal';
import { DomainException } from '../../../platform/http/domain-exception';
import { uuidOr404 } from '../../../platform/http/params';
import { AccessDeviceRow, AccessDevicesRepository } from './access-devices.repository';
import { DeviceKeyGuard } from './device-key.guard';
import { deviceKeyHash, deviceKeyPrefix, newDeviceKey } from './device-keys';

export class CreateAccessDeviceDto {
  @ApiProperty({ example: 'cbd-hotspot-1', maxLength: 80 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  name!: string;
}

const view = (row: AccessDeviceRow) => ({
  id: row.id,
  name: row.name,
  key_prefix: row.key_prefix,
  created_at: new Date(row.created_at).toISOString(),
  revoked_at: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
});

/** Admins register access controllers; the key is in the 201 answer only, never again. */
@ApiTags('sessions')
@ApiBearerAuth()
@Controller('access-devices')
export class AccessDevicesController {
  constructor(
    private readonly devices: AccessDevicesRepository,
    private readonly guard: DeviceKeyGuard,
  ) {}

  @Post()
  @Roles('admin')
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateAccessDeviceDto) {
    const key = newDeviceKey();
    const row = await this.devices.insert(
      principal.companyId,
      body.name,
      deviceKeyHash(key),
      deviceKeyPrefix(key),
      principal.userId,
    );
    return { ...view(row), key };
  }

  @Get()
  @Roles('admin', 'manager')
  async list(@CurrentPrincipal() principal: Principal) {
    return { data: (await this.devices.list(principal.companyId)).map(view) };
  }

  /** Revoked at once on this replica; other replicas stop accepting the key within DEVICE_CACHE_MS. */
  @Delete(':id')
  @Roles('admin')
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidOr404('Access device')) id: string,
  ) {
    const row = await this.devices.revoke(principal.companyId, id);
    if (!row) throw DomainException.notFound('Access device');
    this.guard.forget();
    return view(row);
  }
}
