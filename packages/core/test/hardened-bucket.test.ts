import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { hardenBucket } from "../src";
import { onlyResource, TfJson } from "../../../test/helpers";

const json: TfJson = JSON.parse(
  Testing.synthScope((scope) => {
    const bucket = new S3Bucket(scope, "Bucket", { bucket: "qod-example" });
    hardenBucket(scope, "Example", bucket, {
      encryption: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      lifecycleRules: [{ id: "expire", status: "Enabled", filter: [{ prefix: "" }], noncurrentVersionExpiration: [{ noncurrentDays: 30 }] }],
    });
  }),
);

/** The Terraform address (`type.name`) of the one resource of `type`. */
const address = (type: string): string => `${type}.${Object.keys(json.resource![type])[0]}`;

describe("hardenBucket", () => {
  it("puts the bucket policy only after the public access block (S3 refuses concurrent changes: OperationAborted)", () => {
    expect(onlyResource(json, "aws_s3_bucket_policy").depends_on).toContain(address("aws_s3_bucket_public_access_block"));
  });

  it("sets the lifecycle only after versioning is on (its rules expire noncurrent versions)", () => {
    expect(onlyResource(json, "aws_s3_bucket_lifecycle_configuration").depends_on).toContain(address("aws_s3_bucket_versioning"));
  });
});
