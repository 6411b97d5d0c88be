"""Small helpers with no model knowledge: limits, worker processes, progress bars, names,
version, a command's start-up (imports without the garbage collector) and the seed files' YAML."""
