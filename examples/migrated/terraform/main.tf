locals {
  name = "ledger"
  # Aurora DSQL's endpoint is derived from the cluster's identifier and region.
  dsql_endpoint = "${aws_dsql_cluster.ledger.identifier}.dsql.${var.region}.on.aws"
}

# Idempotency keys of the API: DynamoDB, untouched by the database migration.
resource "aws_dynamodb_table" "idempotency" {
  name         = "${local.name}-idempotency"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "request_id"

  attribute {
    name = "request_id"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }
}

# Other services look the database up here.
resource "aws_ssm_parameter" "database_endpoint" {
  name  = "/${local.name}/database/endpoint"
  type  = "String"
  value = local.dsql_endpoint
}
