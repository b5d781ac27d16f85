# The ledger service on Amazon Aurora DSQL (after the migration), as Terraform: the same service
# as ../cloudformation/ledger.yaml, plus its ECS reporting worker.
terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = var.region
}
