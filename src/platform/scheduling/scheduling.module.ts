import { Global, Module } from '@nestjs/common';
import { TaskScheduler } from './task-scheduler';

@Global()
@Module({ providers: [TaskScheduler], exports: [TaskScheduler] })
export class SchedulingModule {}
