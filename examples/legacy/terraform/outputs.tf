output "database_endpoint" {
  description = "Writer endpoint of the ledger cluster."
  value       = aws_rds_cluster.ledger.endpoint
}

output "database_reader_endpoint" {
  description = "Reader endpoint of the ledger cluster."
  value       = aws_rds_cluster.ledger.reader_endpoint
}

output "idempotency_table" {
  description = "DynamoDB table of the API's idempotency keys."
  value       = aws_dynamodb_table.idempotency.name
}
