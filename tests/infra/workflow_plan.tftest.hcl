# `terraform test` on the package with a mocked AWS provider (tests/infra/test_workflow.py): the
# analysis state machine as Terraform creates it from chalicelib/analyses/workflow.py's definition.
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\": \"2012-10-17\", \"Statement\": []}" }
  }
}

# The stage function's ARN, known at plan so the definition that embeds it can be read.
override_resource {
  target          = aws_lambda_function.analysis_stage
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:chatmrpt-dev-analysis_stage" }
}

run "state_machine" {
  command = plan

  assert {
    condition     = aws_sfn_state_machine.analysis.name == "chatmrpt-dev-analysis" && local.analysis_state_machine_arn == "arn:aws:states:eu-west-1:123456789012:stateMachine:chatmrpt-dev-analysis"
    error_message = "the state machine's name or built ARN is not the one the app is given"
  }
  assert {
    condition     = jsondecode(aws_sfn_state_machine.analysis.definition).States.prepare.Parameters.Payload["retries.$"] == "$$.State.RetryCount"
    error_message = "the definition's context path did not survive Terraform's templating"
  }
  assert {
    condition     = jsondecode(aws_sfn_state_machine.analysis.definition).States.prepare.Parameters.FunctionName == aws_lambda_function.analysis_stage.arn
    error_message = "the tasks do not call the packaged analysis_stage function"
  }
  assert {
    condition     = jsondecode(aws_sfn_state_machine.analysis.definition).TimeoutSeconds == 3600
    error_message = "the execution has no deadline"
  }
  assert {
    condition     = aws_sfn_state_machine.analysis.tracing_configuration[0].enabled && aws_sfn_state_machine.analysis.logging_configuration[0].level == "ERROR"
    error_message = "the state machine is not traced or not logged"
  }
  assert {
    condition     = aws_lambda_function.api_handler.environment[0].variables.ANALYSIS_STATE_MACHINE_ARN == local.analysis_state_machine_arn
    error_message = "the API does not know the state machine it starts"
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.on_analysis_execution_ended-event.event_pattern).detail.stateMachineArn == [local.analysis_state_machine_arn]
    error_message = "the execution-ended rule does not watch the analysis state machine"
  }
  assert {
    condition     = alltrue([for name in ["chatmrpt-dev-analysis-failed", "chatmrpt-dev-analysis-timed-out", "chatmrpt-dev-overdue-analyses"] : contains(keys(aws_cloudwatch_metric_alarm.app), name)])
    error_message = "a workflow alarm is missing"
  }
}

# The GitHub workflows' roles (infra/pipeline.tf): only when the stage names its repository.
run "pipeline_roles" {
  command = plan
  variables {
    github_repository = "example-org/chatmrpt"
  }

  assert {
    condition     = length(aws_iam_role.deploy) == 1 && length(aws_iam_role.plan) == 1 && length(aws_iam_openid_connect_provider.github) == 1
    error_message = "a stage deployed from GitHub has no deploy role, plan role or OIDC provider"
  }
  assert {
    condition     = aws_iam_role_policy_attachment.plan[0].policy_arn == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    error_message = "the plan role is not read-only"
  }
}

run "pipeline_roles_beside_an_existing_provider" {
  command = plan
  variables {
    github_repository        = "example-org/chatmrpt"
    github_oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0 && length(aws_iam_role.deploy) == 1
    error_message = "a second stage in the account creates a second GitHub OIDC provider"
  }
}

run "no_pipeline" {
  command = plan

  assert {
    condition     = length(aws_iam_role.deploy) == 0 && length(aws_iam_openid_connect_provider.github) == 0
    error_message = "pipeline roles without a repository to trust"
  }
}
