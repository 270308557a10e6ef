variable "stage" {
  description = "Deployment stage; a stage of .chalice/config.json (dev, prod)."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.stage))
    error_message = "stage is a short lower-case name such as dev or prod."
  }
}

variable "region" {
  description = "AWS region of every resource."
  type        = string
  default     = "eu-west-1"
}

variable "api_stage_name" {
  description = "API Gateway stage name (api_gateway_stage in .chalice/config.json)."
  type        = string
  default     = "api"
}

variable "api_throttle_rate_limit" {
  description = "Steady-state requests per second the REST and WebSocket stages accept."
  type        = number
  default     = 50
}

variable "api_throttle_burst_limit" {
  description = "Burst of requests the REST and WebSocket stages accept above the rate."
  type        = number
  default     = 100
}

variable "mfa_configuration" {
  description = "Cognito MFA: OFF, OPTIONAL (users may enrol TOTP) or ON (every user must)."
  type        = string
  default     = "OPTIONAL"
  validation {
    condition     = contains(["OFF", "OPTIONAL", "ON"], var.mfa_configuration)
    error_message = "mfa_configuration is OFF, OPTIONAL or ON."
  }
}

variable "advanced_security_mode" {
  description = "Cognito threat protection: OFF, AUDIT or ENFORCED. AUDIT and ENFORCED need the pool on the Plus feature plan (billed per active user)."
  type        = string
  default     = "OFF"
  validation {
    condition     = contains(["OFF", "AUDIT", "ENFORCED"], var.advanced_security_mode)
    error_message = "advanced_security_mode is OFF, AUDIT or ENFORCED."
  }
}

variable "frontend_origins" {
  description = "Browser origins of the web app besides the CloudFront domain (CORS on the data bucket)."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps Lambda and API access logs."
  type        = number
  default     = 365
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic; empty for none (subscribe later)."
  type        = string
  default     = ""
}

variable "lambda_function_names" {
  description = "Names of the app's Lambda functions; written by infra/package.py from Chalice's output."
  type        = list(string)
  default     = []
}

variable "cognito_triggers" {
  description = "Cognito trigger (pre_sign_up, post_confirmation, pre_authentication, pre_token_generation) to Lambda function name; written by infra/package.py."
  type        = map(string)
  default     = {}
}

variable "deletion_protection" {
  description = "Protect tables and the user pool from deletion (turn off only to destroy a stage)."
  type        = bool
  default     = true
}

variable "chat_provider" {
  description = "The chat assistant's provider (CHAT_PROVIDER of the stage; written by infra/package.py): rules, or bedrock to let the app call the one model below."
  type        = string
  default     = "rules"
  validation {
    condition     = contains(["rules", "bedrock"], var.chat_provider)
    error_message = "chat_provider is rules or bedrock."
  }
}

variable "bedrock_model_id" {
  description = "BEDROCK_MODEL_ID of the stage: a foundation model id or a cross-region inference profile id; the app may invoke only it."
  type        = string
  default     = ""
  validation {
    condition     = var.chat_provider != "bedrock" || var.bedrock_model_id != ""
    error_message = "chat_provider bedrock needs bedrock_model_id (BEDROCK_MODEL_ID in .chalice/config.json)."
  }
}

variable "bedrock_region" {
  description = "BEDROCK_REGION of the stage (the stage's region when empty there)."
  type        = string
  default     = ""
}

variable "bedrock_guardrail_id" {
  description = "BEDROCK_GUARDRAIL_ID of the stage; empty for no guardrail."
  type        = string
  default     = ""
}
