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
