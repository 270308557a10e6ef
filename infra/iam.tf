# What the app's Lambda functions may do. infra/package.py puts this document in
# place of Chalice's generated role policy: Chalice only sees boto3 calls written
# in app.py, while the app's calls live in chalicelib/.
locals {
  table_arns = [for table in aws_dynamodb_table.app : table.arn]
}

data "aws_iam_policy_document" "lambda" {
  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/aws/lambda/${local.prefix}*:*"]
  }
  statement {
    sid = "Tables"
    actions = [
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
      "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
    ]
    resources = concat(local.table_arns, [for arn in local.table_arns : "${arn}/index/*"])
  }
  # Raw uploads under uploads/ (presigned POSTs are signed with this role), everything
  # the app writes under users/ (chalicelib/storage/objects.py).
  statement {
    sid       = "UserObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${module.data_bucket.arn}/uploads/*", "${module.data_bucket.arn}/users/*"]
  }
  statement {
    sid       = "ListUserObjects"
    actions   = ["s3:ListBucket"]
    resources = [module.data_bucket.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["uploads/*", "users/*"]
    }
  }
  statement {
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.data.arn]
  }
  statement {
    sid = "AnalysisQueue"
    actions = [
      "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
    ]
    resources = [aws_sqs_queue.analysis.arn, aws_sqs_queue.analysis_dlq.arn]
  }
  statement {
    sid       = "FailedEvents"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events_dlq.arn]
  }
  statement {
    sid       = "Progress"
    actions   = ["execute-api:ManageConnections"]
    resources = ["arn:${local.partition}:execute-api:${var.region}:${local.account_id}:*/${var.api_stage_name}/*/@connections/*"]
  }
  statement {
    sid       = "Profiles"
    actions   = ["cognito-idp:AdminGetUser", "cognito-idp:AdminUpdateUserAttributes"]
    resources = [aws_cognito_user_pool.users.arn]
  }
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions
  }
  dynamic "statement" {
    for_each = length(var.state_machine_arns) > 0 ? [var.state_machine_arns] : []
    content {
      sid       = "Workflows"
      actions   = ["states:StartExecution"]
      resources = statement.value
    }
  }
}
