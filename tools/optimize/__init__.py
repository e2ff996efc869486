"""Optimisation: GPU idle cost, commitment utilisation and the savings recommendations."""
