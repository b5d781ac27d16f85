# The ledger service on Aurora PostgreSQL (before the migration to Aurora DSQL), as Terraform:
# the same service as ../cloudformation/ledger.yaml, plus its ECS reporting worker.
terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "aws" {
  region = var.region
}
