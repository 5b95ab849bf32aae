// Services write their SQL with PostgresNIO's interpolation (values become bind parameters); they get it
// through this module so that persistence stays the only module that depends on PostgresNIO directly.
@_exported import PostgresNIO
