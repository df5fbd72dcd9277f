import { Module } from '@nestjs/common';
import { JourneysService } from './journeys.service';

@Module({
  providers: [JourneysService],
  exports: [JourneysService],
})
export class JourneysModule {}
