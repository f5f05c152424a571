"""Industrial telemetry: devices, ingest (MQTT, HTTP, files) through one validation, the
Parquet store queried with DuckDB, rollups, data quality, device commands and the simulator."""
