import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { LocalDiskStorage } from './local-disk-storage';
import { ObjectStorage } from './object-storage';

/** Provides ObjectStorage, by STORAGE_DRIVER: a local directory (default) or an S3-compatible bucket. */
@Module({
  providers: [
    {
      provide: ObjectStorage,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<ObjectStorage> => {
        switch (config.STORAGE_DRIVER) {
          case 'local':
            return new LocalDiskStorage(config.STORAGE_DIR);
          case 's3': {
            // Loaded only when chosen: the AWS SDK is large and most deployments keep files on disk.
            const { S3Storage } = await import('./s3-storage');
            return new S3Storage({
              bucket: config.S3_BUCKET!,
              region: config.S3_REGION,
              endpoint: config.S3_ENDPOINT,
              forcePathStyle: config.S3_FORCE_PATH_STYLE,
              accessKeyId: config.S3_ACCESS_KEY_ID,
              secretAccessKey: config.S3_SECRET_ACCESS_KEY,
            });
          }
        }
      },
    },
  ],
  exports: [ObjectStorage],
})
export class StorageModule {}
