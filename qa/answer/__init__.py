"""Answer: sentence features, the answer model, the answer's shape, and composing the reply."""
