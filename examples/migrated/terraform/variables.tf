variable "region" {
  description = "AWS region the ledger service and its Aurora DSQL cluster are deployed to."
  type        = string
  default     = "us-east-1"
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
