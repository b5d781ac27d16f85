variable "region" {
  description = "AWS region the ledger service is deployed to."
  type        = string
  default     = "us-east-1"
}

variable "vpc_id" {
  description = "VPC of the ledger database and its clients."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets of the database, the API function and the worker."
  type        = list(string)
}

variable "artifact_bucket" {
  description = "S3 bucket holding the API function's package."
  type        = string
  default     = "ledger-artifacts"
}

variable "worker_image" {
  description = "Container image of the reporting worker."
  type        = string
  default     = "public.ecr.aws/docker/library/python:3.12"
}

variable "rotation_lambda_arn" {
  description = "Function that rotates the master password (the PostgreSQL single-user rotation)."
  type        = string
}
