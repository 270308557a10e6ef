# `terraform test` on the package with a mocked AWS provider (tests/infra/test_package.py):
# a full plan, every reference and provider-side validation evaluated, no account needed.
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
  # Policies are checked on the parsed configuration; a mock only needs valid JSON.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\": \"2012-10-17\", \"Statement\": []}" }
  }
}

run "plan" {
  command = plan

  assert {
    condition     = aws_cognito_user_pool.users.lambda_config[0].pre_sign_up == "arn:aws:lambda:eu-west-1:123456789012:function:chatmrpt-dev-pre_signup"
    error_message = "the pre sign-up trigger is not the packaged pre_signup function"
  }
  assert {
    condition     = aws_cognito_user_pool_client.web.write_attributes == toset(["name"])
    error_message = "the web client may write an attribute that authorises"
  }
  assert {
    condition     = [for target in aws_s3_bucket_notification.chatmrpt-dev-data_notify.lambda_function : target.filter_prefix] == ["uploads/"]
    error_message = "the upload function is notified of objects outside uploads/, which the app writes itself"
  }
}

# The assistant's model (infra/iam.tf): no Bedrock permission unless the provider is bedrock,
# then exactly the configured model, and the guardrail when there is one.
run "rules_provider_calls_no_model" {
  command = plan

  assert {
    condition     = length(local.bedrock_model_arns) == 0 && length(local.bedrock_guardrail_arns) == 0
    error_message = "the rules provider needs no Bedrock permission"
  }
}

run "bedrock_foundation_model" {
  command = plan
  variables {
    chat_provider    = "bedrock"
    bedrock_model_id = "amazon.nova-lite-v1:0"
    bedrock_region   = "eu-west-1"
  }

  assert {
    condition     = local.bedrock_model_arns == tolist(["arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-lite-v1:0"])
    error_message = "the app may invoke other models than the configured foundation model"
  }
  assert {
    condition     = length(local.bedrock_guardrail_arns) == 0
    error_message = "a guardrail permission without a guardrail"
  }
}

run "bedrock_inference_profile_with_guardrail" {
  command = plan
  variables {
    chat_provider        = "bedrock"
    bedrock_model_id     = "eu.anthropic.claude-3-haiku-20240307-v1:0"
    bedrock_region       = "eu-central-1"
    bedrock_guardrail_id = "gr-123"
  }

  assert {
    condition = local.bedrock_model_arns == tolist([
      "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0",
      "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
    ])
    error_message = "an inference profile needs itself and the foundation model it routes to, nothing else"
  }
  assert {
    condition     = local.bedrock_guardrail_arns == tolist(["arn:aws:bedrock:eu-central-1:123456789012:guardrail/gr-123"])
    error_message = "the guardrail permission is not the configured guardrail's"
  }
}

run "bedrock_without_a_model_is_refused" {
  command = plan
  variables {
    chat_provider = "bedrock"
  }
  expect_failures = [var.bedrock_model_id]
}
