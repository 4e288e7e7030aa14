"""The chainkg domain: catalog model, graph stores and the planner."""
