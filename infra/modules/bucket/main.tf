# A private S3 bucket as every bucket of the app needs it: versioned, encrypted,
# closed to the public, reachable over TLS only, with old versions expiring.
variable "name" {
  type = string
}

variable "kms_key_arn" {
  description = "Customer managed key for SSE-KMS; null for SSE-S3."
  type        = string
}

variable "transition_to_ia_days" {
  description = "Move current objects under transition_prefix to STANDARD_IA after this many days; null to keep them in STANDARD."
  type        = number
  default     = null
}

variable "transition_prefix" {
  description = "The key prefix transition_to_ia_days applies to; empty for the whole bucket."
  type        = string
  default     = ""
}

variable "noncurrent_expiration_days" {
  type = number
}

variable "cors_origins" {
  description = "Browser origins allowed to GET objects and POST uploads; empty for no CORS."
  type        = list(string)
  default     = []
}

variable "policy_documents" {
  description = "Further bucket policy statements (JSON policy documents)."
  type        = list(string)
  default     = []
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:server access logs need a separate SSE-S3 log bucket; API Gateway access logs and the app's AuditLog table record who touched which object
  #checkov:skip=CKV_AWS_144:single-region service; versioning keeps prior object versions and replication would copy health data out of the chosen region
  #checkov:skip=CKV2_AWS_62:the data bucket's notifications are Chalice's aws_s3_bucket_notification in build/; the code and frontend buckets have no consumer for events
  bucket = var.name
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  #checkov:skip=CKV_AWS_300:the "versions" rule (filter {}, whole bucket) aborts incomplete multipart uploads after 7 days; checkov reads only the dynamic rule beside it (tests/infra/test_terraform.py checks the static one)
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  dynamic "rule" {
    for_each = var.transition_to_ia_days == null ? [] : [var.transition_to_ia_days]
    content {
      id     = "infrequent-access"
      status = "Enabled"
      filter {
        prefix = var.transition_prefix
      }
      transition {
        days          = rule.value
        storage_class = "STANDARD_IA"
      }
    }
  }
}

resource "aws_s3_bucket_cors_configuration" "this" {
  count  = length(var.cors_origins) > 0 ? 1 : 0
  bucket = aws_s3_bucket.this.id
  cors_rule {
    allowed_methods = ["GET", "HEAD", "POST"]
    allowed_origins = var.cors_origins
    allowed_headers = ["*"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3600
  }
}

data "aws_iam_policy_document" "this" {
  source_policy_documents = var.policy_documents
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.this.json
  # The policy is refused while the public access block is being created.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

output "id" {
  value = aws_s3_bucket.this.id
}

output "arn" {
  value = aws_s3_bucket.this.arn
}

output "regional_domain_name" {
  value = aws_s3_bucket.this.bucket_regional_domain_name
}
