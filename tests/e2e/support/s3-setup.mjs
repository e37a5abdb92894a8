// Make sure the test bucket exists and has CORS that lets a browser PUT parts and read ETag.
import { S3Client, CreateBucketCommand, HeadBucketCommand, PutBucketCorsCommand } from '@aws-sdk/client-s3';

const s3 = new S3Client({
  endpoint: process.env.S3_ENDPOINT, region: 'us-east-1', forcePathStyle: true,
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
});
const Bucket = process.env.S3_BUCKET;
for (let i = 0; ; i++) {
  try {
    await s3.send(new HeadBucketCommand({ Bucket }));
    break;
  } catch (e) {
    if (e?.$metadata?.httpStatusCode === 404) {
      try { await s3.send(new CreateBucketCommand({ Bucket })); } catch { /* created concurrently */ }
      continue;
    }
    if (i > 100) throw e;
    await new Promise((r) => setTimeout(r, 300));
  }
}
await s3.send(new PutBucketCorsCommand({
  Bucket,
  CORSConfiguration: {
    CORSRules: [{
      AllowedOrigins: ['*'], AllowedMethods: ['GET', 'PUT', 'HEAD'],
      AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600,
    }],
  },
}));
console.log(`bucket ${Bucket} ready with CORS`);
