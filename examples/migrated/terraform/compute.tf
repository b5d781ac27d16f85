# The ledger API (a Lambda function) and its reporting worker (an ECS task): each finds the
# cluster through its environment (the settings of ../app/settings.py).
resource "aws_lambda_function" "api" {
  function_name = "${local.name}-api"
  role          = aws_iam_role.api.arn
  runtime       = "python3.12"
  handler       = "ledger.handler"
  s3_bucket     = var.artifact_bucket
  s3_key        = "ledger-api.zip"

  environment {
    variables = {
      DSQL_ENDPOINT    = "${aws_dsql_cluster.ledger.identifier}.dsql.${var.region}.on.aws"
      DSQL_CLUSTER_ARN = aws_dsql_cluster.ledger.arn
      DSQL_DATABASE    = "postgres"
      LEDGER_TABLE     = aws_dynamodb_table.idempotency.name
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
        { name = "DSQL_ENDPOINT", value = local.dsql_endpoint },
        { name = "DSQL_CLUSTER_ARN", value = aws_dsql_cluster.ledger.arn },
        { name = "DSQL_DATABASE", value = "postgres" },
        { name = "LEDGER_TABLE", value = aws_dynamodb_table.idempotency.name },
      ]
    },
  ])
}
