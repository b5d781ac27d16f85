locals {
  name            = "ledger"
  database_name   = "ledger"
  master_username = "ledger_admin"
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
  value = aws_rds_cluster.ledger.endpoint
}
