# Completes the REST API that Chalice generates (aws_api_gateway_rest_api.rest_api
# in build/chalice.tf.json): valid only in build/, where both live in one module.
resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${local.prefix}-rest-access"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
}

resource "aws_cloudwatch_log_group" "websocket_access" {
  name              = "/aws/apigateway/${local.prefix}-websocket-access"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
}

locals {
  # One JSON line per request: who (the token's sub, never the token), what, outcome.
  access_log_format = jsonencode({
    request_id     = "$context.requestId"
    ip             = "$context.identity.sourceIp"
    user           = "$context.authorizer.claims.sub"
    time           = "$context.requestTime"
    method         = "$context.httpMethod"
    path           = "$context.resourcePath"
    route          = "$context.routeKey"
    status         = "$context.status"
    length         = "$context.responseLength"
    latency_ms     = "$context.responseLatency"
    error          = "$context.error.message"
    integration_ms = "$context.integrationLatency"
  })
}

resource "aws_api_gateway_stage" "api" {
  #checkov:skip=CKV_AWS_120:responses are per user and must not be served from a shared cache
  #checkov:skip=CKV2_AWS_29:no WAF; stage throttling (rate and burst variables) and Cognito bound the load
  rest_api_id          = aws_api_gateway_rest_api.rest_api.id
  deployment_id        = aws_api_gateway_deployment.rest_api.id
  stage_name           = var.api_stage_name
  xray_tracing_enabled = true
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format          = local.access_log_format
  }
  depends_on = [aws_api_gateway_account.this]
}

resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:responses are per user and must not be served from a shared cache
  rest_api_id = aws_api_gateway_rest_api.rest_api.id
  stage_name  = aws_api_gateway_stage.api.stage_name
  method_path = "*/*"
  settings {
    throttling_rate_limit  = var.api_throttle_rate_limit
    throttling_burst_limit = var.api_throttle_burst_limit
    metrics_enabled        = true
    logging_level          = "ERROR"
    data_trace_enabled     = false # would log request bodies and tokens
    caching_enabled        = false
    cache_data_encrypted   = true
  }
}

# API Gateway writes logs through one role per account and region.
data "aws_iam_policy_document" "apigateway_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "apigateway_logs" {
  name               = "${local.prefix}-apigateway-logs"
  assume_role_policy = data.aws_iam_policy_document.apigateway_trust.json
}

resource "aws_iam_role_policy_attachment" "apigateway_logs" {
  role       = aws_iam_role.apigateway_logs.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = aws_iam_role.apigateway_logs.arn
}
