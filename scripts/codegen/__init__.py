"""What the templates get beyond the stock generator: views of the spec, each read in one place."""
