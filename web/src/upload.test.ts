import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeXhr } from './test/fakes';
import { postFile, UploadError } from './upload';

const target = { url: 'http://s3.test/bucket', fields: { key: 'uploads/u/ds/data.csv', policy: 'p', 'Content-Type': 'text/csv' } };
const file = new File(['ward,value\nA,1\n'], 'Niger_plus.csv', { type: 'text/csv' });
const xhr = () => new FakeXhr() as unknown as XMLHttpRequest;

afterEach(() => {
  FakeXhr.all = [];
});

describe('postFile', () => {
  it('posts the presigned fields before the file and reports progress', async () => {
    const progress = vi.fn();
    const sending = postFile(target, file, { onProgress: progress, xhr });
    const request = FakeXhr.all[0];
    expect(request.method).toBe('POST');
    expect(request.url).toBe(target.url);
    expect([...request.body!.keys()]).toEqual(['key', 'policy', 'Content-Type', 'file']);
    request.progress(7, file.size);
    request.succeed();
    await sending;
    expect(progress.mock.calls).toEqual([
      [7, file.size],
      [file.size, file.size],
    ]);
  });

  it('calls a dropped connection worth retrying, and says so', async () => {
    const sending = postFile(target, file, { xhr });
    FakeXhr.all[0].fail();
    const error = await sending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect((error as UploadError).transient).toBe(true);
    expect((error as UploadError).message).toMatch(/connection dropped while sending Niger_plus.csv.*press Retry/);
  });

  it("reads S3's refusal: a file over the limit is not retried by itself", async () => {
    const sending = postFile(target, file, { xhr });
    FakeXhr.all[0].refuse(400, '<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>');
    const error = (await sending.catch((e: unknown) => e)) as UploadError;
    expect(error.transient).toBe(false);
    expect(error.message).toMatch(/Niger_plus.csv is larger than/);
  });

  it('tells an expired link apart', async () => {
    const sending = postFile(target, file, { xhr });
    FakeXhr.all[0].refuse(403, '<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message></Error>');
    const error = (await sending.catch((e: unknown) => e)) as UploadError;
    expect(error.kind).toBe('expired');
    expect(error.message).toMatch(/upload link for Niger_plus.csv expired/);
  });
});
