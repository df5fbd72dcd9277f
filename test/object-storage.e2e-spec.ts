import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import S3rver from '@20minutes/s3rver';
import { LocalDiskStorage } from '../src/platform/storage/local-disk-storage';
import { ObjectNotFoundError, ObjectStorage } from '../src/platform/storage/object-storage';
import { S3Storage } from '../src/platform/storage/s3-storage';

const readAll = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** A stream that fails after `good` bytes went through, as an upload refused midway does. */
const failingAfter = (good: Buffer): Readable => {
  let seen = 0;
  const gate = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > good.length) done(new Error('refused'));
      else done(null, chunk);
    },
  });
  return Readable.from([good, Buffer.from('one byte too many')]).pipe(gate);
};

/** The contract every ObjectStorage driver keeps; run against each driver below. */
function storageContract(name: string, make: () => ObjectStorage) {
  describe(name, () => {
    let storage: ObjectStorage;
    beforeAll(() => {
      storage = make();
    });

    it('gives back exactly the bytes it was given, across many chunks', async () => {
      // Over 5 MiB so that the S3 driver uploads in parts.
      const content = randomBytes(6 * 1024 * 1024 + 17);
      const chunks = Array.from({ length: 7 }, (_, i) =>
        content.subarray(i * 1_000_000, (i + 1) * 1_000_000),
      );
      await storage.put('tickets/c1/a', Readable.from(chunks));
      expect((await readAll(await storage.get('tickets/c1/a'))).equals(content)).toBe(true);
    });

    it('keeps nothing of a stream that fails', async () => {
      await expect(storage.put('tickets/c1/failed', failingAfter(randomBytes(64 * 1024)))).rejects.toThrow(
        'refused',
      );
      await expect(storage.get('tickets/c1/failed')).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('answers ObjectNotFoundError for a missing key, and deletes idempotently', async () => {
      await expect(storage.get('tickets/c1/none')).rejects.toBeInstanceOf(ObjectNotFoundError);
      await storage.put('tickets/c1/b', Readable.from([Buffer.from('b')]));
      await storage.delete('tickets/c1/b');
      await storage.delete('tickets/c1/b');
      await expect(storage.get('tickets/c1/b')).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('refuses keys that could leave its root', async () => {
      for (const key of ['../outside', '/etc/passwd', 'a//b', 'a/./b', 'a\\b', '']) {
        await expect(storage.put(key, Readable.from([Buffer.from('x')]))).rejects.toThrow(
          /Unsafe storage key/,
        );
      }
    });
  });
}

describe('ObjectStorage drivers', () => {
  let directory: string;
  let s3Directory: string;
  let s3: S3rver;
  let endpoint: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'custops-storage-'));
    s3Directory = await mkdtemp(join(tmpdir(), 'custops-s3rver-'));
    s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: s3Directory,
      configureBuckets: [{ name: 'attachments' }],
    });
    const address = await s3.run();
    endpoint = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await s3.close();
    await rm(directory, { recursive: true, force: true });
    await rm(s3Directory, { recursive: true, force: true });
  });

  storageContract('local disk', () => new LocalDiskStorage(directory));
  storageContract(
    'S3-compatible (s3rver on loopback)',
    () =>
      new S3Storage({
        bucket: 'attachments',
        region: 'us-east-1',
        endpoint,
        forcePathStyle: true,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
      }),
  );

  it('leaves no temporary file behind on disk', async () => {
    const files = await readdir(directory, { recursive: true, withFileTypes: true });
    expect(files.filter((entry) => entry.isFile()).map((entry) => entry.name)).toEqual(['a']);
  });
});
