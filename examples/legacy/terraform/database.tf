# The Aurora PostgreSQL cluster, its instance, and its master credentials in Secrets Manager.
# The aws_rds_cluster below is what the migration removes (a comment: no finding).

resource "aws_db_subnet_group" "ledger" {
  name        = "${local.name}-database"
  description = "Ledger database subnets"
  subnet_ids  = var.private_subnet_ids
}

resource "aws_rds_cluster_parameter_group" "ledger" {
  name        = "${local.name}-cluster"
  family      = "aurora-postgresql15"
  description = "Ledger cluster parameters"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
}

resource "random_password" "master" {
  length  = 32
  special = false
}

resource "aws_secretsmanager_secret" "ledger_db" {
  name        = "${local.name}/database/master"
  description = "Master credentials of the ledger cluster"
}

resource "aws_rds_cluster" "ledger" {
  cluster_identifier              = "${local.name}-aurora"
  engine                          = "aurora-postgresql"
  engine_version                  = "15.4"
  database_name                   = local.database_name
  master_username                 = local.master_username
  master_password                 = random_password.master.result
  db_subnet_group_name            = aws_db_subnet_group.ledger.name
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.ledger.name
  vpc_security_group_ids          = [module.network.database_security_group_id]
  enable_http_endpoint            = true
  storage_encrypted               = true
  final_snapshot_identifier       = "${local.name}-aurora-final"
}

resource "aws_rds_cluster_instance" "writer" {
  identifier         = "${local.name}-aurora-writer"
  cluster_identifier = aws_rds_cluster.ledger.id
  instance_class     = "db.r6g.large"
  engine             = "aurora-postgresql"
}

# What the rotation function needs to reach the database (its documented secret shape).
resource "aws_secretsmanager_secret_version" "ledger_db" {
  secret_id = aws_secretsmanager_secret.ledger_db.id
  secret_string = jsonencode({
    engine   = "postgres"
    host     = aws_rds_cluster.ledger.endpoint
    port     = aws_rds_cluster.ledger.port
    dbname   = local.database_name
    username = local.master_username
    password = random_password.master.result
  })
}

resource "aws_secretsmanager_secret_rotation" "ledger_db" {
  secret_id           = aws_secretsmanager_secret.ledger_db.id
  rotation_lambda_arn = var.rotation_lambda_arn

  rotation_rules {
    automatically_after_days = 30
  }

  depends_on = [aws_secretsmanager_secret_version.ledger_db]
}
