"""How the server runs: serving limits, scratch space, the sweeper of leftovers, memory settings."""
