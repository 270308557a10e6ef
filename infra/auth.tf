# Sign-in: a Cognito user pool whose ID token the REST authorizer and the
# WebSocket $connect handler verify, and an identity pool for direct, read-only
# browser access to the caller's own data.
locals {
  # Built from the function names rather than taken from the Chalice functions:
  # the functions' environment names this pool, so a reference back would be a cycle.
  trigger_arns = {
    for trigger, function_name in var.cognito_triggers :
    trigger => "arn:${local.partition}:lambda:${var.region}:${local.account_id}:function:${function_name}"
  }
  custom_attributes = ["organization", "role", "region"]
}

resource "aws_cognito_user_pool" "users" {
  name                     = local.prefix
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"

  # The web client may not write the attributes pre_signup requires, so a
  # self sign-up could never pass it: administrators create users
  # (AdminCreateUser, still checked by pre_signup), and the public client id
  # opens no sign-up endpoint.
  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  mfa_configuration = var.mfa_configuration
  dynamic "software_token_mfa_configuration" {
    for_each = var.mfa_configuration == "OFF" ? [] : [true]
    content {
      enabled = true
    }
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 3
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  user_pool_add_ons {
    advanced_security_mode = var.advanced_security_mode
  }

  dynamic "schema" {
    for_each = local.custom_attributes
    content {
      name                     = schema.value
      attribute_data_type      = "String"
      mutable                  = true
      developer_only_attribute = false
      string_attribute_constraints {
        min_length = 0
        max_length = 128
      }
    }
  }

  dynamic "lambda_config" {
    for_each = length(local.trigger_arns) > 0 ? [local.trigger_arns] : []
    content {
      pre_sign_up          = lookup(lambda_config.value, "pre_sign_up", null)
      post_confirmation    = lookup(lambda_config.value, "post_confirmation", null)
      pre_authentication   = lookup(lambda_config.value, "pre_authentication", null)
    }
  }
}

# The browser app: a public client, so no secret (it could not be kept).
resource "aws_cognito_user_pool_client" "web" {
  name                          = "${local.prefix}-web"
  user_pool_id                  = aws_cognito_user_pool.users.id
  generate_secret               = false
  # Admin sign-in needs IAM credentials (cognito-idp:AdminInitiateAuth): only the smoke test
  # (infra/smoke.py, with the deploy role) uses it; browsers sign in with SRP.
  explicit_auth_flows           = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  id_token_validity             = 60
  access_token_validity         = 60
  refresh_token_validity        = 30
  token_validity_units {
    id_token      = "minutes"
    access_token  = "minutes"
    refresh_token = "days"
  }
  read_attributes = ["email", "email_verified", "name", "custom:organization", "custom:role", "custom:region"]
  # Only what authorises nothing. The token's email, organization, role and
  # region decide what a user may see (GET /audit reads the organization claim),
  # and pre_signup checks them only once: writable, a user could change them
  # afterwards. Listed explicitly, since a client without the list writes all.
  write_attributes = ["name"]
}

resource "aws_cognito_identity_pool" "users" {
  identity_pool_name               = "chatmrpt_${var.stage}"
  allow_unauthenticated_identities = false
  allow_classic_flow               = false
  cognito_identity_providers {
    client_id               = aws_cognito_user_pool_client.web.id
    provider_name           = aws_cognito_user_pool.users.endpoint
    server_side_token_check = true
  }
}

# IAM's ${cognito-identity.amazonaws.com:sub} is the identity pool's identity id
# (region:uuid), not the user pool sub the app keys every item and object by.
# Mapping the token's `sub` claim to a session tag makes ${aws:PrincipalTag/sub}
# the same value the app writes, so the role below can be scoped to it.
resource "aws_cognito_identity_pool_provider_principal_tag" "sub" {
  identity_pool_id       = aws_cognito_identity_pool.users.id
  identity_provider_name = aws_cognito_user_pool.users.endpoint
  use_defaults           = false
  principal_tags = {
    sub = "sub"
  }
}

data "aws_iam_policy_document" "authenticated_trust" {
  statement {
    # TagSession lets the identity pool attach the principal tag above.
    actions = ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
    principals {
      type        = "Federated"
      identifiers = ["cognito-identity.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "cognito-identity.amazonaws.com:aud"
      values   = [aws_cognito_identity_pool.users.id]
    }
    condition {
      test     = "ForAnyValue:StringLike"
      variable = "cognito-identity.amazonaws.com:amr"
      values   = ["authenticated"]
    }
  }
}

resource "aws_iam_role" "authenticated" {
  name               = "${local.prefix}-authenticated"
  assume_role_policy = data.aws_iam_policy_document.authenticated_trust.json
}

# Read-only: writes go through the API, which validates them and writes the audit log.
data "aws_iam_policy_document" "authenticated" {
  statement {
    sid     = "OwnObjects"
    actions = ["s3:GetObject"]
    resources = [
      "${module.data_bucket.arn}/uploads/$${aws:PrincipalTag/sub}/*",
      "${module.data_bucket.arn}/users/$${aws:PrincipalTag/sub}/*",
    ]
  }
  statement {
    sid       = "ListOwnPrefix"
    actions   = ["s3:ListBucket"]
    resources = [module.data_bucket.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["uploads/$${aws:PrincipalTag/sub}/*", "users/$${aws:PrincipalTag/sub}/*"]
    }
  }
  statement {
    sid       = "DecryptOwnData"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.data.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.region}.amazonaws.com", "dynamodb.${var.region}.amazonaws.com"]
    }
  }
  statement {
    sid     = "OwnItems"
    actions = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"]
    resources = [
      aws_dynamodb_table.app["datasets"].arn,
      aws_dynamodb_table.app["analyses"].arn,
      aws_dynamodb_table.app["sessions"].arn,
    ]
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:LeadingKeys"
      values   = ["$${aws:PrincipalTag/sub}"]
    }
  }
}

resource "aws_iam_role_policy" "authenticated" {
  name   = "own-data-read-only"
  role   = aws_iam_role.authenticated.id
  policy = data.aws_iam_policy_document.authenticated.json
}

resource "aws_cognito_identity_pool_roles_attachment" "users" {
  identity_pool_id = aws_cognito_identity_pool.users.id
  roles = {
    authenticated = aws_iam_role.authenticated.arn
  }
}
