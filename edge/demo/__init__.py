"""Demo data: a Cantonese dim-sum restaurant."""
