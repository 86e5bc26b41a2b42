"""The Discord side of briefbot: thin adapters over the index package."""
