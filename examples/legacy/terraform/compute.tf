# The ledger API (a Lambda function) and its reporting worker (an ECS task), both on the cluster.
resource "aws_lambda_function" "api" {
  function_name = "${local.name}-api"
  role          = aws_iam_role.api.arn
  runtime       = "python3.12"
  handler       = "ledger.handler"
  s3_bucket     = var.artifact_bucket
  s3_key        = "ledger-api.zip"

  vpc_config {
    subnet_ids         = var.private_subnet_ids
    security_group_ids = [module.network.api_security_group_id]
  }

  environment {
    variables = {
      DB_CLUSTER_ARN  = aws_rds_cluster.ledger.arn
      DB_SECRET_ARN   = aws_secretsmanager_secret.ledger_db.arn
      AURORA_ENDPOINT = aws_rds_cluster.ledger.endpoint
      DB_NAME         = local.database_name
      LEDGER_TABLE    = aws_dynamodb_table.idempotency.name
    }
  }
}

resource "aws_ecs_task_definition" "worker" {
  family                   = "${local.name}-worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.worker_execution.arn
  task_role_arn            = aws_iam_role.worker_task.arn

  container_definitions = jsonencode([
    {
      name      = "worker"
      image     = var.worker_image
      essential = true
      environment = [
        { name = "RDS_HOSTNAME", value = aws_rds_cluster.ledger.endpoint },
        { name = "LEDGER_TABLE", value = aws_dynamodb_table.idempotency.name },
      ]
      secrets = [
        { name = "DB_PASSWORD", valueFrom = "${aws_secretsmanager_secret.ledger_db.arn}:password::" },
      ]
    },
  ])
}
