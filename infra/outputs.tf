# What the web app and the operators need; infra/deploy.py writes them to
# infra/stacks/<stage>.json after every apply.
output "region" {
  value = var.region
}

output "user_pool_id" {
  value = aws_cognito_user_pool.users.id
}

output "user_pool_arn" {
  value = aws_cognito_user_pool.users.arn
}

output "user_pool_client_id" {
  value = aws_cognito_user_pool_client.web.id
}

output "identity_pool_id" {
  value = aws_cognito_identity_pool.users.id
}

output "data_bucket" {
  value = module.data_bucket.id
}

output "code_bucket" {
  value = module.code_bucket.id
}

output "frontend_bucket" {
  value = module.frontend_bucket.id
}

output "frontend_url" {
  value = "https://${aws_cloudfront_distribution.frontend.domain_name}"
}

output "frontend_distribution_id" {
  value = aws_cloudfront_distribution.frontend.id
}

output "tables" {
  value = { for role, table in aws_dynamodb_table.app : role => table.name }
}

output "alarm_topic_arn" {
  value = aws_sns_topic.alarms.arn
}
