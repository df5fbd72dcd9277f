import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { uuidOr404 } from '../../platform/http/params';
import { ConsoleCustomerService } from './console-customer.service';
import { ConsoleSearchService } from './console-search.service';
import { ConsoleStuckService } from './console-stuck.service';
import { ConsoleSearchQuery } from './dto/console.dto';

const STAFF = ['viewer', 'agent', 'manager', 'admin'] as const;

/**
 * The support console's reads (issue 13; docs/console.md): find a customer, everything about one, and
 * who is stuck now. Staff only, every role reads; the actions are the owning modules' own routes.
 */
@ApiTags('console')
@ApiBearerAuth()
@Controller('console')
export class ConsoleController {
  constructor(
    private readonly searchService: ConsoleSearchService,
    private readonly customerService: ConsoleCustomerService,
    private readonly stuckService: ConsoleStuckService,
  ) {}

  /** At most 20 customers, best first, each with what matched. */
  @Get('search')
  @Roles(...STAFF)
  search(@CurrentPrincipal() principal: Principal, @Query() query: ConsoleSearchQuery) {
    return this.searchService.search(principal, query.q);
  }

  @Get('customers/:id')
  @Roles(...STAFF)
  customer(@CurrentPrincipal() principal: Principal, @Param('id', uuidOr404('Customer')) id: string) {
    return this.customerService.document(principal, id);
  }

  @Get('stuck')
  @Roles(...STAFF)
  stuck(@CurrentPrincipal() principal: Principal) {
    return this.stuckService.stuck(principal);
  }
}
