import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../../platform/auth/decorators';
import { DomainException } from '../../platform/http/domain-exception';
import { CurrentDevice, DeviceKeyGuard, DevicePrincipal } from './devices/device-key.guard';
import { UsageBatchDto, UsageReportDto } from './dto/session.dto';
import { SessionAuthorizer } from './session-authorizer';
import { SessionId } from './sessions.controller';
import { UsageAccounting, UsageResult } from './usage-accounting';

/** A single report's outcome that is not a success, as the problem it answers. */
function refusal(result: UsageResult): DomainException | undefined {
  switch (result.outcome) {
    case 'not_found':
      return DomainException.notFound('Session');
    case 'not_started':
      return new DomainException(
        'invalid_state',
        'session-not-started',
        `A ${result.status} session has no usage`,
      );
    case 'stale':
      return new DomainException(
        'conflict',
        'usage-sequence-stale',
        'A later sequence was counted already; this report changes nothing',
        [{ field: 'sequence', message: 'must be greater than the last counted sequence' }],
      );
    case 'sequence_reused':
      return new DomainException(
        'conflict',
        'usage-sequence-reused',
        'This sequence was counted already with other counters',
        [{ field: 'sequence', message: 'use a new sequence for new counters' }],
      );
    case 'counter_decreased':
      return new DomainException(
        'unprocessable',
        'usage-counter-decreased',
        'Counters are cumulative for the session and cannot go down',
        [{ field: 'bytes_in', message: 'at least the last counted value (same for bytes_out)' }],
      );
    case 'applied':
    case 'duplicate':
    case 'superseded':
      return undefined;
  }
}

/**
 * The access controller's API (captive portal / NAS), authenticated by its device key (`X-Device-Key`),
 * not a user token: whether a session may go on, and its usage. Its company is the only tenant it
 * reaches; another company's session is a 404. Not rate limited per IP: one controller speaks for many
 * customers.
 */
@ApiTags('sessions')
@ApiHeader({ name: 'X-Device-Key', required: true })
@Public()
@SkipThrottle()
@UseGuards(DeviceKeyGuard)
@Controller('sessions')
export class AccessControllerController {
  constructor(
    private readonly authorizer: SessionAuthorizer,
    private readonly usage: UsageAccounting,
  ) {}

  /** 200 with `allow` true (and what is left) or false (and why): a decision, never an error. */
  @Get(':id/authorize')
  authorize(@CurrentDevice() device: DevicePrincipal, @Param('id', SessionId) id: string) {
    return this.authorizer.authorize(device.companyId, id);
  }

  /** Many sessions' reports in one request (up to 1,000); each answered with its outcome. */
  @Post('usage')
  @HttpCode(200)
  async batch(@CurrentDevice() device: DevicePrincipal, @Body() body: UsageBatchDto) {
    const results = await this.usage.record(device.companyId, device.deviceId, body.reports);
    return { applied: results.filter((result) => result.outcome === 'applied').length, results };
  }

  /** One report; a refused one answers its problem (409 out of order, 422 counters down). */
  @Post(':id/usage')
  @HttpCode(200)
  async report(
    @CurrentDevice() device: DevicePrincipal,
    @Param('id', SessionId) id: string,
    @Body() body: UsageReportDto,
  ) {
    const [result] = await this.usage.record(device.companyId, device.deviceId, [
      { ...body, session_id: id },
    ]);
    const problem = refusal(result);
    if (problem) throw problem;
    return result;
  }
}
