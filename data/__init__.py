"""The cost store: schema and migrations, importers, price catalog and demo data.

`data` knows nothing of the layers above it (tools, agents, adapters).
"""
