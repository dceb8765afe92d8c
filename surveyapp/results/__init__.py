"""What managers see: the response table, KPIs and driver analysis of a survey."""
