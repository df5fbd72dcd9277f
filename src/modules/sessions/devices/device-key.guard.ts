import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainException } from '../../../platform/http/domain-exception';
import { HIGH_VOLUME, type RawRequestContext } from '../../../platform/http/request-context';
import { AccessDevicesRepository } from './access-devices.repository';
import { DEVICE_KEY_SHAPE, deviceKeyHash } from './device-keys';

/** The access controller calling, as proven by its key; its company is the only tenant it reaches. */
export interface DevicePrincipal {
  deviceId: string;
  companyId: string;
}

const DEVICE = Symbol('custops.device');
type WithDevice = { [DEVICE]?: DevicePrincipal };

/** How long a key's owner is remembered in-process: a revoked key stops working within this. */
export const DEVICE_CACHE_MS = 30_000;
const MAX_CACHED = 10_000;

/**
 * Authenticates access controllers by `X-Device-Key` instead of a user token (RADIUS-style: a shared
 * secret per NAS). Routes using it are @Public() for the JWT guard and carry @UseGuards(DeviceKeyGuard).
 * Lookups are cached briefly in-process: authorize is on the hot path of every captive-portal check.
 */
@Injectable()
export class DeviceKeyGuard implements CanActivate {
  private readonly cache = new Map<string, { device: DevicePrincipal | null; until: number }>();

  constructor(private readonly devices: AccessDevicesRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers['x-device-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (!key)
      throw new DomainException('unauthorized', 'device-key-required', 'An X-Device-Key header is required');
    const device = DEVICE_KEY_SHAPE.test(key) ? await this.deviceOf(key) : null;
    if (!device)
      throw new DomainException('unauthorized', 'device-key-invalid', 'The device key is not valid');
    (request.raw as WithDevice)[DEVICE] = device;
    (request.raw as RawRequestContext)[HIGH_VOLUME] = true;
    return true;
  }

  /** Forget every cached key now (a revocation on this replica takes effect at once). */
  forget(): void {
    this.cache.clear();
  }

  private async deviceOf(key: string): Promise<DevicePrincipal | null> {
    const hash = deviceKeyHash(key);
    const cacheKey = hash.toString('base64');
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > Date.now()) return cached.device;
    const row = await this.devices.byKeyHash(hash);
    const device = row ? { deviceId: row.id, companyId: row.company_id } : null;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(cacheKey, { device, until: Date.now() + DEVICE_CACHE_MS });
    return device;
  }
}

export const CurrentDevice = createParamDecorator(
  (_data: unknown, context: ExecutionContext): DevicePrincipal => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const device = (request.raw as WithDevice)[DEVICE];
    if (!device) throw new Error('CurrentDevice used on a route without DeviceKeyGuard');
    return device;
  },
);
