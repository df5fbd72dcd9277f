import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../../platform/auth/decorators';
import type { Principal } from '../../../platform/auth/principal';
import { Idempotent } from '../../../platform/http/idempotency';
import { CreditLimitExceededFilter } from '../credit/credit-limit-exceeded';
import {
  AllocateDto,
  CreateInvoiceDto,
  IssueInvoiceDto,
  ListInvoicesQuery,
  UpdateInvoiceDto,
  VoidInvoiceDto,
} from './dto/invoice.dto';
import { InvoiceLedgerService } from './invoice-ledger.service';
import { uuidOr404 } from '../../../platform/http/params';

const InvoiceId = uuidOr404('Invoice');

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('invoices')
export class InvoicesController {
  constructor(private readonly ledger: InvoiceLedgerService) {}

  /** A draft, numbered INV-000001 onwards per company; totals computed from the lines. */
  @Post()
  @Roles('agent', 'manager', 'admin')
  @Idempotent()
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateInvoiceDto) {
    return this.ledger.create(principal, body);
  }

  @Get()
  @Roles('viewer', 'agent', 'manager', 'admin')
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListInvoicesQuery) {
    return this.ledger.list(principal, query);
  }

  @Get(':id')
  @Roles('viewer', 'agent', 'manager', 'admin')
  get(@CurrentPrincipal() principal: Principal, @Param('id', InvoiceId) id: string) {
    return this.ledger.get(principal, id);
  }

  @Patch(':id')
  @Roles('agent', 'manager', 'admin')
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', InvoiceId) id: string,
    @Body() body: UpdateInvoiceDto,
  ) {
    return this.ledger.update(principal, id, body);
  }

  /** draft → open, after the credit check; a breach is a 422 with the figures unless overridden. */
  @Post(':id/issue')
  @HttpCode(200)
  @Roles('agent', 'manager', 'admin')
  @UseFilters(CreditLimitExceededFilter)
  issue(
    @CurrentPrincipal() principal: Principal,
    @Param('id', InvoiceId) id: string,
    @Body() body: IssueInvoiceDto,
  ) {
    return this.ledger.issue(principal, id, body ?? {});
  }

  @Post(':id/void')
  @HttpCode(200)
  @Roles('manager', 'admin')
  void(
    @CurrentPrincipal() principal: Principal,
    @Param('id', InvoiceId) id: string,
    @Body() body: VoidInvoiceDto,
  ) {
    return this.ledger.void(principal, id, body.reason);
  }

  @Post(':id/allocations')
  @Roles('agent', 'manager', 'admin')
  @Idempotent()
  allocate(
    @CurrentPrincipal() principal: Principal,
    @Param('id', InvoiceId) id: string,
    @Body() body: AllocateDto,
  ) {
    return this.ledger.allocate(principal, id, body);
  }
}
