# The root module is build/: `make package` copies these files next to Chalice's
# generated chalice.tf.json (whose own version pins it removes in favour of these).
terraform {
  # 1.10: the S3 backend's lock file (infra/deploy.py passes use_lockfile=true).
  required_version = ">= 1.10"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
  # State lives in S3, one key per stage; infra/deploy.py passes bucket, key and
  # region with -backend-config (see docs/runbook.md, "First deployment").
  backend "s3" {}
}

provider "aws" {
  region = var.region
  default_tags {
    tags = {
      app   = "chatmrpt"
      stage = var.stage
    }
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  # Every name the app reads from its environment starts with this (.chalice/config.json).
  prefix     = "chatmrpt-${var.stage}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
}
