# Security groups of the API function, the worker and the database (a local module).
module "network" {
  source = "./modules/network"

  name   = "ledger"
  vpc_id = var.vpc_id
}

# The reporting worker reaches PostgreSQL too (port 5432 in a comment: no finding).
resource "aws_vpc_security_group_ingress_rule" "worker_to_database" {
  security_group_id            = module.network.database_security_group_id
  referenced_security_group_id = module.network.worker_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  description                  = "PostgreSQL from the reporting worker"
}
