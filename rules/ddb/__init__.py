"""DDB: the DynamoDB layer must not change in the migration (FR-006), judged against a git base."""
