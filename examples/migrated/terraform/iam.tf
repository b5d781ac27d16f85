# The API function and the reporting worker connect with IAM tokens as a custom database role
# (dsql:DbConnect, never DbConnectAdmin), on this cluster only.
data "aws_iam_policy_document" "dsql_connect" {
  statement {
    sid       = "DsqlConnect"
    actions   = ["dsql:DbConnect"]
    resources = [aws_dsql_cluster.ledger.arn]
  }
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "api" {
  name               = "${local.name}-api"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_iam_role_policy_attachment" "api_logs" {
  role       = aws_iam_role.api.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy" "api_dsql_connect" {
  name   = "${local.name}-dsql-connect"
  role   = aws_iam_role.api.id
  policy = data.aws_iam_policy_document.dsql_connect.json
}

data "aws_iam_policy_document" "ecs_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "worker_task" {
  name               = "${local.name}-worker-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_assume.json
}

resource "aws_iam_role_policy" "worker_dsql_connect" {
  name   = "${local.name}-dsql-connect"
  role   = aws_iam_role.worker_task.id
  policy = data.aws_iam_policy_document.dsql_connect.json
}

resource "aws_iam_role" "worker_execution" {
  name               = "${local.name}-worker-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_assume.json
}

resource "aws_iam_role_policy_attachment" "worker_execution" {
  role       = aws_iam_role.worker_execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}
