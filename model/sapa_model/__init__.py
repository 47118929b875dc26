"""Training, evaluation and export of Sapa's issue classifier (category + urgency)."""
