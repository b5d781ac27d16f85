"""dsql-scan: prove that an Aurora RDS to Aurora DSQL migration left nothing behind."""

__version__ = "0.1.0"
