import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { DomainException } from '../../platform/http/domain-exception';
import { Idempotent } from '../../platform/http/idempotency';
import {
  AddCommentDto,
  ChangeTicketStatusDto,
  AssignTicketDto,
  ListTicketsQuery,
  SetFormDto,
  SetRouteDto,
  SubmitTicketDto,
  UpdateTicketDto,
  MergeTicketDto,
} from './dto/ticket.dto';
import { TICKET_CATEGORIES } from './ticket-routing';
import { TicketsService } from './tickets.service';
import { uuidOr404 } from '../../platform/http/params';

const TicketId = uuidOr404('Ticket');

function knownCategory(category: string): string {
  if (!(TICKET_CATEGORIES as readonly string[]).includes(category)) {
    throw new DomainException('invalid_input', 'validation-failed', 'Unknown category', [
      { field: 'category', message: `one of ${TICKET_CATEGORIES.join(', ')}` },
    ]);
  }
  return category;
}

@ApiTags('tickets')
@ApiBearerAuth()
@Controller('tickets')
export class TicketsController {
  constructor(private readonly tickets: TicketsService) {}

  @Post()
  @Roles('customer', 'agent', 'manager', 'admin')
  @Idempotent()
  submit(@CurrentPrincipal() principal: Principal, @Body() body: SubmitTicketDto) {
    return this.tickets.submit(principal, body);
  }

  @Get()
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListTicketsQuery) {
    return this.tickets.list(principal, query);
  }

  @Get(':id')
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  get(@CurrentPrincipal() principal: Principal, @Param('id', TicketId) id: string) {
    return this.tickets.get(principal, id);
  }

  @Post(':id/comments')
  @Roles('customer', 'agent', 'manager', 'admin')
  comment(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TicketId) id: string,
    @Body() body: AddCommentDto,
  ) {
    return this.tickets.comment(principal, id, body);
  }

  @Get(':id/comments')
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  comments(@CurrentPrincipal() principal: Principal, @Param('id', TicketId) id: string) {
    return this.tickets.comments(principal, id);
  }

  @Post(':id/status')
  @HttpCode(200)
  @Roles('customer', 'agent', 'manager', 'admin')
  changeStatus(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TicketId) id: string,
    @Body() body: ChangeTicketStatusDto,
  ) {
    return this.tickets.changeStatus(principal, id, body.status);
  }

  @Post(':id/assign')
  @HttpCode(200)
  @Roles('agent', 'manager', 'admin')
  assign(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TicketId) id: string,
    @Body() body: AssignTicketDto,
  ) {
    return this.tickets.assign(principal, id, body.assignee_id);
  }

  /** Staff corrections: priority (re-chooses the SLA policy), department (ends triage), tags. */
  @Patch(':id')
  @Roles('agent', 'manager', 'admin')
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TicketId) id: string,
    @Body() body: UpdateTicketDto,
  ) {
    return this.tickets.update(principal, id, body);
  }

  @Post(':id/merge')
  @HttpCode(200)
  @Roles('agent', 'manager', 'admin')
  merge(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TicketId) id: string,
    @Body() body: MergeTicketDto,
  ) {
    return this.tickets.merge(principal, id, body.into_ticket_id);
  }

  @Get(':id/sla')
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  sla(@CurrentPrincipal() principal: Principal, @Param('id', TicketId) id: string) {
    return this.tickets.slaOf(principal, id);
  }

  @Get('forms/:category')
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  form(@CurrentPrincipal() principal: Principal, @Param('category') category: string) {
    return this.tickets.form(principal, knownCategory(category));
  }

  /** Attach a form to a category: seed 004's bug report or feature request, or custom fields. */
  @Put('forms/:category')
  @Roles('admin')
  setForm(
    @CurrentPrincipal() principal: Principal,
    @Param('category') category: string,
    @Body() body: SetFormDto,
  ) {
    return this.tickets.setForm(principal, knownCategory(category), body);
  }

  /** The company's routing table: which department a category goes to. */
  @Put('routes/:category')
  @Roles('admin')
  setRoute(
    @CurrentPrincipal() principal: Principal,
    @Param('category') category: string,
    @Body() body: SetRouteDto,
  ) {
    if (!(TICKET_CATEGORIES as readonly string[]).includes(category) || category === 'other') {
      throw new DomainException('invalid_input', 'validation-failed', 'Unknown category', [
        { field: 'category', message: `one of ${TICKET_CATEGORIES.filter((c) => c !== 'other').join(', ')}` },
      ]);
    }
    return this.tickets.setRoute(principal, category, body.department);
  }
}
