# What the app's Lambda functions may do. infra/package.py puts this document in
# place of Chalice's generated role policy: Chalice only sees boto3 calls written
# in app.py, while the app's calls live in chalicelib/.
locals {
  table_arns = [for table in aws_dynamodb_table.app : table.arn]
  # The one model the assistant calls (CHAT_PROVIDER=bedrock): a foundation model id, or a
  # cross-region inference profile id (its geography first: eu., us., apac., global.), which
  # also needs the foundation model it routes to, in whichever region the profile sends it.
  bedrock_geography = try(regex("^(us|us-gov|eu|apac|ca|jp|au|global)\\.", var.bedrock_model_id)[0], null)
  bedrock_model_arns = var.chat_provider != "bedrock" ? [] : local.bedrock_geography == null ? [
    "arn:${local.partition}:bedrock:${var.bedrock_region}::foundation-model/${var.bedrock_model_id}",
    ] : [
    "arn:${local.partition}:bedrock:${var.bedrock_region}:${local.account_id}:inference-profile/${var.bedrock_model_id}",
    "arn:${local.partition}:bedrock:*::foundation-model/${trimprefix(var.bedrock_model_id, "${local.bedrock_geography}.")}",
  ]
  bedrock_guardrail_arns = var.chat_provider == "bedrock" && var.bedrock_guardrail_id != "" ? [
    "arn:${local.partition}:bedrock:${var.bedrock_region}:${local.account_id}:guardrail/${var.bedrock_guardrail_id}",
  ] : []
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
    sid = "WorkQueues" # the analysis jobs and the chat turns, each with its dead-letter queue
    actions = [
      "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
    ]
    resources = [aws_sqs_queue.analysis.arn, aws_sqs_queue.analysis_dlq.arn, aws_sqs_queue.chat.arn, aws_sqs_queue.chat_dlq.arn]
  }
  dynamic "statement" {
    for_each = length(local.bedrock_model_arns) > 0 ? [local.bedrock_model_arns] : []
    content {
      sid       = "AssistantModel"
      actions   = ["bedrock:InvokeModel"] # Converse is authorised as InvokeModel
      resources = statement.value
    }
  }
  dynamic "statement" {
    for_each = length(local.bedrock_guardrail_arns) > 0 ? [local.bedrock_guardrail_arns] : []
    content {
      sid       = "AssistantGuardrail"
      actions   = ["bedrock:ApplyGuardrail"]
      resources = statement.value
    }
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
  # POST /analyses starts the analysis's execution (infra/stepfunctions.tf).
  statement {
    sid       = "Workflows"
    actions   = ["states:StartExecution"]
    resources = [local.analysis_state_machine_arn]
  }
}
