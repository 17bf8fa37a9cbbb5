"""Files on disk -> one checked, versioned snapshot of flows and templates.

Reading YAML with positions (``file:line:col``), the flow schema and model,
every check a marketer's edit must pass, template rendering, diagrams, and the
registry of serving versions. It imports neither the conversation runtime nor
the channels: both build on it.
"""
