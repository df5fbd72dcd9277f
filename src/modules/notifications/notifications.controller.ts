import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { Idempotent } from '../../platform/http/idempotency';
import { DeliveriesQuery, InboxQuery, PreferenceDto, RequestNotificationDto } from './dto/notification.dto';
import { NotificationsAdmin } from './notifications-admin.service';
import { uuidOr404 } from '../../platform/http/params';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly admin: NotificationsAdmin) {}

  /** Send a notification (e.g. a maintenance notice) to customers and staff. */
  @Post()
  @HttpCode(202)
  @Roles('manager', 'admin')
  @Idempotent()
  request(@CurrentPrincipal() principal: Principal, @Body() body: RequestNotificationDto) {
    return this.admin.request(principal, body);
  }

  /** The caller's in-app notifications, newest first. */
  @Get()
  inbox(@CurrentPrincipal() principal: Principal, @Query() query: InboxQuery) {
    return this.admin.inbox(principal, query);
  }

  @Post('read-all')
  @HttpCode(200)
  readAll(@CurrentPrincipal() principal: Principal) {
    return this.admin.readAll(principal);
  }

  @Put('preferences')
  @HttpCode(200)
  setPreference(@CurrentPrincipal() principal: Principal, @Body() body: PreferenceDto) {
    return this.admin.setPreference(principal, body);
  }

  @Get('deliveries')
  @Roles('manager', 'admin')
  deliveries(@CurrentPrincipal() principal: Principal, @Query() query: DeliveriesQuery) {
    return this.admin.deliveries(principal, query);
  }

  @Get('deliveries/:id')
  @Roles('manager', 'admin')
  delivery(@CurrentPrincipal() principal: Principal, @Param('id', uuidOr404('Delivery')) id: string) {
    return this.admin.delivery(principal, id);
  }

  @Post('deliveries/:id/retry')
  @HttpCode(202)
  @Roles('admin')
  retry(@CurrentPrincipal() principal: Principal, @Param('id', uuidOr404('Delivery')) id: string) {
    return this.admin.retry(principal, id, ['failed']);
  }

  @Post(':id/read')
  @HttpCode(200)
  read(@CurrentPrincipal() principal: Principal, @Param('id', uuidOr404('Notification')) id: string) {
    return this.admin.read(principal, id);
  }
}
