# AWS access for the GitHub workflows (.github/workflows), through GitHub's OIDC tokens: no
# stored keys. A job of the GitHub environment named after the stage (dev, prod: the prod one
# requires a reviewer's approval, docs/runbook.md "The pipeline") may assume the deploy role;
# a pull request's plan job may assume the plan role, which reads configuration, never user data.
# CI sets TF_VAR_github_repository; set it when you deploy by hand too, or the plan removes the roles.
variable "github_repository" {
  description = "owner/name of the GitHub repository whose workflows deploy this stage; empty for no pipeline roles."
  type        = string
  default     = ""
}

variable "github_oidc_provider_arn" {
  description = "The account's GitHub OIDC provider, when another stage in the account created it (one per account); empty: this stage creates it."
  type        = string
  default     = ""
}

locals {
  pipeline    = var.github_repository != ""
  github_oidc = "token.actions.githubusercontent.com"
  # Every role of the stage starts with the prefix (Chalice's is the prefix itself).
  stage_roles = "arn:${local.partition}:iam::${local.account_id}:role/${local.prefix}*"
  # The AWS managed policies this configuration attaches; the deploy role may attach no other.
  attachable_policies = [for name in ["PowerUserAccess", "ReadOnlyAccess", "service-role/AmazonAPIGatewayPushToCloudWatchLogs"] :
  "arn:${local.partition}:iam::aws:policy/${name}"]
  github_oidc_provider_arn = var.github_oidc_provider_arn != "" ? var.github_oidc_provider_arn : "arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.github_oidc}"
}

resource "aws_iam_openid_connect_provider" "github" {
  count           = local.pipeline && var.github_oidc_provider_arn == "" ? 1 : 0
  url             = "https://${local.github_oidc}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"] # AWS trusts GitHub's CA itself; the API still asks for one
}

data "aws_iam_policy_document" "github_trust" {
  for_each = { deploy = "environment:${var.stage}", plan = "pull_request" }
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc}:sub"
      values   = ["repo:${var.github_repository}:${each.value}"]
    }
  }
}

# Applies the stage: everything but IAM (PowerUserAccess), plus the stage's own roles.
resource "aws_iam_role" "deploy" {
  count                = local.pipeline ? 1 : 0
  name                 = "${local.prefix}-deploy"
  assume_role_policy   = data.aws_iam_policy_document.github_trust["deploy"].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "deploy" {
  count      = local.pipeline ? 1 : 0
  role       = aws_iam_role.deploy[0].name
  policy_arn = local.attachable_policies[0]
}

data "aws_iam_policy_document" "deploy" {
  statement {
    sid = "StageRoles"
    actions = [
      "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:TagRole", "iam:UntagRole",
      "iam:PassRole", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies",
      "iam:ListAttachedRolePolicies", "iam:UpdateAssumeRolePolicy", "iam:ListInstanceProfilesForRole",
    ]
    resources = [local.stage_roles]
  }
  statement {
    sid       = "AttachKnownPolicies"
    actions   = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
    resources = [local.stage_roles]
    condition {
      test     = "ArnEquals"
      variable = "iam:PolicyARN"
      values   = local.attachable_policies
    }
  }
  statement {
    sid = "GithubOidcProvider"
    actions = [
      "iam:GetOpenIDConnectProvider", "iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider",
      "iam:TagOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint",
    ]
    resources = [local.github_oidc_provider_arn]
  }
}

resource "aws_iam_role_policy" "deploy" {
  count  = local.pipeline ? 1 : 0
  name   = "${local.prefix}-deploy-stage-roles"
  role   = aws_iam_role.deploy[0].id
  policy = data.aws_iam_policy_document.deploy.json
}

# Plans a pull request: reads configuration and the state, never what users stored.
resource "aws_iam_role" "plan" {
  count                = local.pipeline ? 1 : 0
  name                 = "${local.prefix}-plan"
  assume_role_policy   = data.aws_iam_policy_document.github_trust["plan"].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "plan" {
  count      = local.pipeline ? 1 : 0
  role       = aws_iam_role.plan[0].name
  policy_arn = local.attachable_policies[1]
}

data "aws_iam_policy_document" "plan_no_user_data" {
  statement {
    sid       = "NoUserObjects"
    effect    = "Deny"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${module.data_bucket.arn}/*"]
  }
  statement {
    sid       = "NoItems"
    effect    = "Deny"
    actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan"]
    resources = concat(local.table_arns, [for arn in local.table_arns : "${arn}/index/*"])
  }
  statement {
    sid       = "NoUsers"
    effect    = "Deny"
    actions   = ["cognito-idp:ListUsers", "cognito-idp:AdminGetUser", "cognito-idp:ListUsersInGroup"]
    resources = [aws_cognito_user_pool.users.arn]
  }
  statement {
    sid       = "NoLogEvents"
    effect    = "Deny"
    actions   = ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:StartLiveTail"]
    resources = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:*"]
  }
  statement {
    sid       = "NoExecutionData"
    effect    = "Deny"
    actions   = ["states:DescribeExecution", "states:GetExecutionHistory"]
    resources = ["arn:${local.partition}:states:${var.region}:${local.account_id}:execution:${local.analysis_state_machine_name}:*"]
  }
}

resource "aws_iam_role_policy" "plan" {
  count  = local.pipeline ? 1 : 0
  name   = "${local.prefix}-plan-no-user-data"
  role   = aws_iam_role.plan[0].id
  policy = data.aws_iam_policy_document.plan_no_user_data.json
}

output "deploy_role_arn" {
  value = one(aws_iam_role.deploy[*].arn)
}

output "plan_role_arn" {
  value = one(aws_iam_role.plan[*].arn)
}
