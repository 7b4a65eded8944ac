"""Classification: taxonomy, rules, the classical model, urgency, sentiment and the cascade."""
