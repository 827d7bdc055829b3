"""The public REST API: clients, query builders, typed models and open enums."""
