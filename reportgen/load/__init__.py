"""Load: YAML and CSV files of a report folder -> validated, typed models."""
