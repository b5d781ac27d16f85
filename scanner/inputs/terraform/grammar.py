"""python-hcl2's parser, built when this module is imported.

The parser's first use loads the grammar's tables (about 0.15 s). Listed among the Terraform
input's modules, this module is imported where the others are: before a pool of workers is
forked (each inherits the tables) and by the console script's head start, while the main
process is still starting, so that a one-file run's first parse does not wait for them.
"""

from hcl2.parser import parser

parser()
