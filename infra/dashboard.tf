# One CloudWatch dashboard per stage, `chatmrpt-{stage}`: what the alarms watch, as graphs, and
# the alarms themselves (docs/runbook.md, "Reading the alarms").
locals {
  dashboard_period   = 300
  api_dimensions     = ["ApiName", aws_api_gateway_rest_api.rest_api.name, "Stage", aws_api_gateway_stage.api.stage_name]
  dead_letter_queues = [aws_sqs_queue.analysis_dlq.name, aws_sqs_queue.chat_dlq.name, aws_sqs_queue.events_dlq.name]
  machine_dimension  = ["StateMachineArn", local.analysis_state_machine_arn]

  dashboard_widgets = [
    { title = "API requests and errors", stat = "Sum", metrics = [
      for metric in ["Count", "4XXError", "5XXError"] : concat(["AWS/ApiGateway", metric], local.api_dimensions)
    ] },
    { title = "API latency (p95, ms)", stat = "p95", metrics = [concat(["AWS/ApiGateway", "Latency"], local.api_dimensions)] },
    { title = "Lambda errors", stat = "Sum", metrics = [
      for name in var.lambda_function_names : ["AWS/Lambda", "Errors", "FunctionName", name]
    ] },
    { title = "Lambda throttles", stat = "Sum", metrics = [
      for name in var.lambda_function_names : ["AWS/Lambda", "Throttles", "FunctionName", name]
    ] },
    { title = "Lambda duration (p95, ms)", stat = "p95", metrics = [
      for name in var.lambda_function_names : ["AWS/Lambda", "Duration", "FunctionName", name]
    ] },
    { title = "Analysis executions", stat = "Sum", metrics = [
      for metric in ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"] :
      concat(["AWS/States", metric], local.machine_dimension)
    ] },
    { title = "Analyses past their deadline", stat = "Maximum", metrics = [
      ["ChatMRPT", "OverdueAnalyses", "Stage", var.stage]
    ] },
    { title = "Dead-letter queues (messages waiting)", stat = "Maximum", metrics = [
      for queue in local.dead_letter_queues : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue]
    ] },
    { title = "Oldest waiting job (s)", stat = "Maximum", metrics = [
      for queue in [aws_sqs_queue.analysis.name, aws_sqs_queue.chat.name] : ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue]
    ] },
    { title = "DynamoDB throttled requests", stat = "Sum", metrics = [
      for table in aws_dynamodb_table.app : ["AWS/DynamoDB", "ThrottledRequests", "TableName", table.name]
    ] },
  ]
}

resource "aws_cloudwatch_dashboard" "operations" {
  dashboard_name = local.prefix
  dashboard_body = jsonencode({
    widgets = concat(
      [{
        type       = "alarm", x = 0, y = 0, width = 24, height = 4
        properties = { title = "Alarms", alarms = [for alarm in aws_cloudwatch_metric_alarm.app : alarm.arn] }
      }],
      [for i, widget in local.dashboard_widgets : {
        type = "metric", x = (i % 2) * 12, y = 4 + floor(i / 2) * 6, width = 12, height = 6
        properties = {
          title = widget.title, region = var.region, stat = widget.stat, period = local.dashboard_period,
          view  = "timeSeries", metrics = widget.metrics
        }
      }],
    )
  })
}

output "dashboard_url" {
  value = "https://${var.region}.console.aws.amazon.com/cloudwatch/home?region=${var.region}#dashboards:name=${local.prefix}"
}
