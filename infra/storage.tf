# The DynamoDB tables of chalicelib/storage/tables.py (tests/infra compares the
# two): user-owned tables are keyed by the Cognito sub first.
locals {
  tables = {
    users = {
      hash_key   = "user_id"
      range_key  = null
      attributes = ["user_id", "email"]
      ttl        = null
      indexes    = { "email-index" = { hash_key = "email", range_key = null, projection = "ALL" } }
    }
    datasets = {
      hash_key   = "user_id"
      range_key  = "dataset_id"
      attributes = ["user_id", "dataset_id"]
      ttl        = null
      indexes    = {}
    }
    analyses = {
      hash_key   = "user_id"
      range_key  = "analysis_id"
      attributes = ["user_id", "analysis_id", "status", "updated_at"]
      ttl        = null
      indexes    = { "status-index" = { hash_key = "status", range_key = "updated_at", projection = "ALL" } }
    }
    sessions = {
      hash_key   = "user_id"
      range_key  = "session_id"
      attributes = ["user_id", "session_id", "conversation_id"]
      ttl        = "expires_at"
      # Sparse: only conversation headers carry conversation_id (chalicelib/storage/conversations.py).
      indexes = { "conversation-index" = { hash_key = "user_id", range_key = "conversation_id", projection = "ALL" } }
    }
    connections = {
      hash_key   = "user_id"
      range_key  = "connection_id"
      attributes = ["user_id", "connection_id"]
      ttl        = "expires_at"
      indexes    = { "connection-index" = { hash_key = "connection_id", range_key = null, projection = "KEYS_ONLY" } }
    }
    audit = {
      hash_key   = "user_id"
      range_key  = "event_key"
      attributes = ["user_id", "event_key", "organization"]
      ttl        = null
      indexes    = { "organization-index" = { hash_key = "organization", range_key = "event_key", projection = "ALL" } }
    }
  }
}

resource "aws_dynamodb_table" "app" {
  for_each                    = local.tables
  name                        = "${local.prefix}-${each.key}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.hash_key
  range_key                   = each.value.range_key
  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = each.value.attributes
    content {
      name = attribute.value
      type = "S"
    }
  }

  dynamic "global_secondary_index" {
    for_each = each.value.indexes
    content {
      name            = global_secondary_index.key
      hash_key        = global_secondary_index.value.hash_key
      range_key       = global_secondary_index.value.range_key
      projection_type = global_secondary_index.value.projection
    }
  }

  dynamic "ttl" {
    for_each = each.value.ttl == null ? [] : [each.value.ttl]
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.data.arn
  }
}

module "data_bucket" {
  source      = "./modules/bucket"
  name        = "${local.prefix}-data"
  kms_key_arn = aws_kms_key.data.arn
  # Raw uploads are read once when processed (the app reads its processed/ copy after):
  # infrequent access after 30 days. Only uploads are under uploads/ (chalicelib/storage/objects.py).
  transition_to_ia_days      = 30
  transition_prefix          = "uploads/"
  noncurrent_expiration_days = 30
  # The browser POSTs uploads to presigned URLs and fetches artifacts from presigned GETs.
  cors_origins = local.frontend_origins
}

module "code_bucket" {
  source                     = "./modules/bucket"
  name                       = "${local.prefix}-code"
  kms_key_arn                = aws_kms_key.data.arn
  noncurrent_expiration_days = 90 # old deployment packages, kept for rollback
}

module "frontend_bucket" {
  source                     = "./modules/bucket"
  name                       = "${local.prefix}-frontend"
  kms_key_arn                = null # public web assets; CloudFront reads them without a key grant
  noncurrent_expiration_days = 30
  policy_documents           = [data.aws_iam_policy_document.frontend_read.json]
}
