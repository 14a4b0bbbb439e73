"""After a meeting: reflections, outcomes, follow-ups of action plans, and badges."""
