import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Public, Roles } from '../../../platform/auth/decorators';
import type { Principal } from '../../../platform/auth/principal';
import { ConfirmationTokenDto, ConfirmResolutionDto, RespondToResolutionDto } from './resolution.dto';
import { TicketResolutionService } from './ticket-resolution.service';
import { uuidOr404 } from '../../../platform/http/params';

const TicketId = uuidOr404('Ticket');

/** Confirming a resolution: by the emailed link (no account) or in the portal. */
@ApiTags('tickets')
@Controller('tickets')
export class ResolutionController {
  constructor(private readonly resolutions: TicketResolutionService) {}

  /** The token travels in the body, never in a URL, so it stays out of access logs and proxies. */
  @Post('confirmations/lookup')
  @HttpCode(200)
  @Public()
  view(@Body() body: ConfirmationTokenDto) {
    return this.resolutions.view(body.token);
  }

  @Post('confirmations')
  @HttpCode(200)
  @Public()
  respond(@Body() body: RespondToResolutionDto) {
    return this.resolutions.respond(body.token, body);
  }

  @Post(':id/confirm')
  @HttpCode(200)
  @ApiBearerAuth()
  @Roles('customer')
  confirm(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TicketId) id: string,
    @Body() body: ConfirmResolutionDto,
  ) {
    return this.resolutions.confirmAsCustomer(principal, id, body);
  }
}
