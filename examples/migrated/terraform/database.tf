# The ledger's one Aurora DSQL cluster: no VPC, no subnet group, no password, no port to open.
resource "aws_dsql_cluster" "ledger" {
  deletion_protection_enabled = true

  tags = {
    service = local.name
  }
}
