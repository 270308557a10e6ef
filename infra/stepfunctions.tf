# The analysis state machine. Its definition is chalicelib/analyses/workflow.py's, written by
# infra/package.py into build/ as local.analysis_workflow, each Task calling the packaged
# analysis_stage function (the same definition the local stack runs: devstack/stepfunctions.py).
# POST /analyses starts one execution per analysis, named after it, when the stage's
# ANALYSIS_RUNNER is stepfunctions (.chalice/config.json).
locals {
  analysis_state_machine_name = "${local.prefix}-analysis"
  # Built rather than referenced: every function's environment names it (ANALYSIS_STATE_MACHINE_ARN)
  # and the machine calls one of those functions, so a reference would be a cycle.
  analysis_state_machine_arn = "arn:${local.partition}:states:${var.region}:${local.account_id}:stateMachine:${local.analysis_state_machine_name}"

  # The alarms of the workflow and of the analyses' deadline (merged into monitoring.tf's alarms;
  # docs/runbook.md, "Reading the alarms").
  workflow_alarms = {
    "${local.analysis_state_machine_name}-failed" = {
      description = "Analysis executions failed: a stage died on every try (the analysis is FAILED with a message). Read the execution's history."
      namespace   = "AWS/States"
      metric      = "ExecutionsFailed"
      dimensions  = { StateMachineArn = local.analysis_state_machine_arn }
      statistic   = "Sum"
      threshold   = 1
    }
    "${local.analysis_state_machine_name}-timed-out" = {
      description = "Analysis executions ran past the state machine's deadline (TimeoutSeconds); their analyses end FAILED."
      namespace   = "AWS/States"
      metric      = "ExecutionsTimedOut"
      dimensions  = { StateMachineArn = local.analysis_state_machine_arn }
      statistic   = "Sum"
      threshold   = 1
    }
    "${local.prefix}-overdue-analyses" = {
      description = "Analyses still QUEUED or RUNNING past their deadline: nothing will end them. Read the overdue_analyses log for their ids."
      namespace   = "ChatMRPT" # chalicelib/analyses/runner.py METRIC_NAMESPACE, written by overdue_analyses
      metric      = "OverdueAnalyses"
      dimensions  = { Stage = var.stage }
      statistic   = "Maximum"
      threshold   = 1
    }
  }
}

resource "aws_cloudwatch_log_group" "analysis_workflow" {
  name              = "/aws/vendedlogs/states/${local.analysis_state_machine_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
}

data "aws_iam_policy_document" "states_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "analysis_workflow" {
  name               = "${local.prefix}-analysis-workflow"
  assume_role_policy = data.aws_iam_policy_document.states_trust.json
}

data "aws_iam_policy_document" "analysis_workflow" {
  statement {
    sid       = "InvokeStages"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.analysis_stage.arn, "${aws_lambda_function.analysis_stage.arn}:*"]
  }
  # CloudWatch Logs delivery (the machine's execution log) has no resource-level permissions.
  statement {
    sid = "LogDelivery"
    actions = [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"] # X-Ray has no resource-level permissions
  }
  statement {
    sid       = "DataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.data.arn]
  }
}

resource "aws_iam_role_policy" "analysis_workflow" {
  name   = "${local.prefix}-analysis-workflow"
  role   = aws_iam_role.analysis_workflow.id
  policy = data.aws_iam_policy_document.analysis_workflow.json
}

resource "aws_sfn_state_machine" "analysis" {
  name       = local.analysis_state_machine_name
  role_arn   = aws_iam_role.analysis_workflow.arn
  type       = "STANDARD"
  definition = local.analysis_workflow
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.analysis_workflow.arn}:*"
    include_execution_data = true # inputs are a user id and an analysis id; failures carry the error
    level                  = "ERROR"
  }
  tracing_configuration {
    enabled = true
  }
  encryption_configuration {
    type                              = "CUSTOMER_MANAGED_KMS_KEY"
    kms_key_id                        = aws_kms_key.data.arn
    kms_data_key_reuse_period_seconds = 300
  }
  depends_on = [aws_iam_role_policy.analysis_workflow]
}

output "analysis_state_machine_arn" {
  value = aws_sfn_state_machine.analysis.arn
}
