import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { DomainException } from '../../platform/http/domain-exception';
import { Idempotent } from '../../platform/http/idempotency';
import { CustomersService } from './customers.service';
import { DeleteCustomerQuery, GetCustomerQuery } from './dto/delete-customer.query';
import {
  ChangeStatusDto,
  CreateCustomerDto,
  CustomerPage,
  CustomerResponse,
  UpdateCustomerDto,
} from './dto/customer.dto';
import { ListCustomersQuery } from './dto/list-customers.query';
import { uuidOr404 } from '../../platform/http/params';

/** A malformed id is answered like a missing one: 404, never a hint about what exists. */
export const CustomerId = uuidOr404('Customer');

@ApiTags('customers')
@ApiBearerAuth()
@Controller('customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @Roles('agent', 'manager', 'admin')
  @Idempotent()
  @ApiCreatedResponse({ type: CustomerResponse })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateCustomerDto,
  ): Promise<CustomerResponse> {
    return CustomerResponse.from(await this.customers.create(principal, body));
  }

  @Get()
  @Roles('viewer', 'agent', 'manager', 'admin', 'customer')
  @ApiOkResponse({ type: CustomerPage })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListCustomersQuery) {
    return this.customers.list(principal, query);
  }

  @Get(':id')
  @Roles('viewer', 'agent', 'manager', 'admin', 'customer')
  @ApiOkResponse({ type: CustomerResponse })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
    @Query() query: GetCustomerQuery,
  ): Promise<CustomerResponse> {
    return CustomerResponse.from(await this.customers.get(principal, id, query.include_deleted));
  }

  @Patch(':id')
  @Roles('agent', 'manager', 'admin')
  @ApiOkResponse({ type: CustomerResponse })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
    @Body() body: UpdateCustomerDto,
  ): Promise<CustomerResponse> {
    return CustomerResponse.from(await this.customers.update(principal, id, body));
  }

  @Post(':id/status')
  @HttpCode(200)
  @Roles('manager', 'admin')
  @ApiOkResponse({ type: CustomerResponse })
  async changeStatus(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
    @Body() body: ChangeStatusDto,
  ): Promise<CustomerResponse> {
    return CustomerResponse.from(await this.customers.changeStatus(principal, id, body));
  }

  /** Soft by default (manager, admin); `mode=hard` is GDPR erasure (admin). */
  @Delete(':id')
  @HttpCode(204)
  @Roles('manager', 'admin')
  @ApiNoContentResponse()
  async delete(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
    @Query() query: DeleteCustomerQuery,
  ): Promise<void> {
    if (query.mode === 'hard') {
      if (!principal.roles.includes('admin')) {
        throw new DomainException('forbidden', 'forbidden', 'Only an admin may hard-delete a customer');
      }
      await this.customers.hardDelete(principal, id, query.reason);
      return;
    }
    await this.customers.softDelete(principal, id, query.reason);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @Roles('admin')
  @ApiOkResponse({ type: CustomerResponse })
  async restore(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
  ): Promise<CustomerResponse> {
    return CustomerResponse.from(await this.customers.restore(principal, id));
  }
}
