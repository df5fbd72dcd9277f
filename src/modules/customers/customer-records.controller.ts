import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { PageQuery } from '../../platform/http/pagination';
import { CustomerRecordsService } from './customer-records.service';
import { CustomerId } from './customers.controller';
import { CommunicationResponse, LogCommunicationDto } from './dto/communication.dto';
import { ContactResponse, CreateContactDto } from './dto/contact.dto';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('customers/:id')
export class CustomerRecordsController {
  constructor(private readonly records: CustomerRecordsService) {}

  @Post('contacts')
  @Roles('agent', 'manager', 'admin')
  @ApiCreatedResponse({ type: ContactResponse })
  addContact(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
    @Body() body: CreateContactDto,
  ): Promise<ContactResponse> {
    return this.records.addContact(principal, id, body);
  }

  @Get('contacts')
  @Roles('viewer', 'agent', 'manager', 'admin', 'customer')
  listContacts(@CurrentPrincipal() principal: Principal, @Param('id', CustomerId) id: string) {
    return this.records.listContacts(principal, id);
  }

  @Post('communications')
  @Roles('agent', 'manager', 'admin')
  @ApiCreatedResponse({ type: CommunicationResponse })
  logCommunication(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
    @Body() body: LogCommunicationDto,
  ): Promise<CommunicationResponse> {
    return this.records.logCommunication(principal, id, body);
  }

  @Get('communications')
  @Roles('viewer', 'agent', 'manager', 'admin')
  listCommunications(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
    @Query() query: PageQuery,
  ) {
    return this.records.listCommunications(principal, id, query);
  }

  @Get('audit')
  @Roles('manager', 'admin')
  @ApiOkResponse()
  audit(
    @CurrentPrincipal() principal: Principal,
    @Param('id', CustomerId) id: string,
    @Query() query: PageQuery,
  ) {
    return this.records.audit(principal, id, query);
  }
}
