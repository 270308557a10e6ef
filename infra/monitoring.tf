# Alarms go to one SNS topic per stage; docs/runbook.md says what each means.
resource "aws_sns_topic" "alarms" {
  name              = "${local.prefix}-alarms"
  kms_master_key_id = aws_kms_key.data.arn
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# Created before the functions (infra/package.py adds the depends_on) so Lambda
# does not create them itself without retention or encryption.
resource "aws_cloudwatch_log_group" "lambda" {
  for_each          = toset(var.lambda_function_names)
  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
}

locals {
  # One alarm per entry: what it watches, and what a person reads when it fires.
  alarms = merge(
    {
      "${local.prefix}-api-5xx" = {
        description = "The REST API answered 5xx: a handler raised or timed out. Read the api_handler logs by request id."
        namespace   = "AWS/ApiGateway"
        metric      = "5XXError"
        dimensions  = { ApiName = aws_api_gateway_rest_api.rest_api.name, Stage = aws_api_gateway_stage.api.stage_name }
        statistic   = "Sum"
        threshold   = 5
      }
    },
    merge([
      for name in var.lambda_function_names : {
        for metric in ["Errors", "Throttles"] : "${name}-${lower(metric)}" => {
          description = "Lambda ${metric} of ${name}."
          namespace   = "AWS/Lambda"
          metric      = metric
          dimensions  = { FunctionName = name }
          statistic   = "Sum"
          threshold   = 1
        }
      }
    ]...),
    {
      for queue in [aws_sqs_queue.analysis_dlq.name, aws_sqs_queue.chat_dlq.name, aws_sqs_queue.events_dlq.name] : "${queue}-depth" => {
        description = "Messages are waiting in ${queue}: work failed every retry and needs a person."
        namespace   = "AWS/SQS"
        metric      = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = queue }
        statistic   = "Maximum"
        threshold   = 1
      }
    },
    local.workflow_alarms, # infra/stepfunctions.tf
  )
}

resource "aws_cloudwatch_metric_alarm" "app" {
  for_each            = local.alarms
  alarm_name          = each.key
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
