import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { RegisterWebhookDto } from './dto/notification.dto';
import { NotificationsAdmin } from './notifications-admin.service';
import { uuidOr404 } from '../../platform/http/params';

@ApiTags('webhooks')
@ApiBearerAuth()
@Roles('admin')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly admin: NotificationsAdmin) {}

  /** Register an endpoint; the signing secret is shown in this answer only. */
  @Post()
  register(@CurrentPrincipal() principal: Principal, @Body() body: RegisterWebhookDto) {
    return this.admin.registerWebhook(principal, body);
  }

  @Get()
  list(@CurrentPrincipal() principal: Principal) {
    return this.admin.listWebhooks(principal);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidOr404('Webhook')) id: string,
  ): Promise<void> {
    await this.admin.removeWebhook(principal, id);
  }

  /** Every delivery to this endpoint with every attempt. */
  @Get(':id/deliveries')
  deliveries(@CurrentPrincipal() principal: Principal, @Param('id', uuidOr404('Webhook')) id: string) {
    return this.admin.webhookDeliveries(principal, id);
  }

  /** Send a delivery again (failed or sent); receivers de-duplicate on X-Custops-Delivery. */
  @Post(':id/deliveries/:deliveryId/replay')
  @HttpCode(202)
  replay(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidOr404('Webhook')) _id: string,
    @Param('deliveryId', uuidOr404('Delivery')) deliveryId: string,
  ) {
    return this.admin.retry(principal, deliveryId, ['failed', 'sent']);
  }
}
