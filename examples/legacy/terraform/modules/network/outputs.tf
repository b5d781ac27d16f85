output "api_security_group_id" {
  description = "Security group of the API functions."
  value       = aws_security_group.api.id
}

output "worker_security_group_id" {
  description = "Security group of the reporting worker."
  value       = aws_security_group.worker.id
}

output "database_security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.database.id
}
