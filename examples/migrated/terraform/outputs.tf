output "dsql_endpoint" {
  description = "Endpoint of the ledger's Aurora DSQL cluster."
  value       = local.dsql_endpoint
}

output "dsql_cluster_arn" {
  description = "ARN of the ledger's Aurora DSQL cluster."
  value       = aws_dsql_cluster.ledger.arn
}

output "idempotency_table" {
  description = "DynamoDB table of the API's idempotency keys."
  value       = aws_dynamodb_table.idempotency.name
}
