# Security groups of the ledger service: its clients, and the database they reach.
resource "aws_security_group" "api" {
  name        = "${var.name}-api"
  description = "Ledger API functions"
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "worker" {
  name        = "${var.name}-worker"
  description = "Ledger reporting worker"
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "database" {
  name        = "${var.name}-database"
  description = "Ledger database access"
  vpc_id      = var.vpc_id

  ingress {
    description     = "PostgreSQL from the API functions"
    protocol        = "tcp"
    from_port       = 5432
    to_port         = 5432
    security_groups = [aws_security_group.api.id]
  }
}
